import { type FSWatcher, watch } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Wakes a lock waiter as soon as an entry of a directory changes (inotify/FSEvents through fs.watch), instead
 * of making it sleep through a poll interval while the lock sits free: a write holds the lock for a couple of
 * milliseconds, so handing it over quickly is most of multi-agent throughput. Where watching is unavailable
 * (some network file systems) or an event is missed, the timeout makes it a plain poll.
 */
export class DirWatch {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private changed = false;

  /**
   * `wakeFor` filters events cheaply inside the callback, given the entry that changed (null when the platform
   * does not say): a lock changes hands twice per write (taken, given back), and only one of those is worth
   * waking for; each needless wake-up of every waiting process costs CPU the lock holder needs on a small machine.
   */
  constructor(dir: string, wakeFor: (entry: string | null) => boolean) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (!wakeFor(name)) return;
        this.changed = true;
        this.wake?.();
      });
      this.watcher.on("error", () => this.close());
    } catch {
      this.watcher = undefined;
    }
  }

  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /** Resolves at the next change of the entry (or at once if one happened since the last call), or after `ms`. */
  async next(ms: number): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return;
    }
    const controller = new AbortController();
    const changed = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    await Promise.race([changed, sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined)]);
    controller.abort();
    this.wake = undefined;
    this.changed = false;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.wake?.();
  }
}
