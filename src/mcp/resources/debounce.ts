/**
 * Coalesces bursts of events per key into one call: `fire(key)` runs once the key has been quiet for
 * `quietMs`, or `maxWaitMs` after the burst began if it never goes quiet (an editor saving every keystroke,
 * a busy board). A save is several file system events (truncate, write, rename), and one notification per
 * save is what a subscriber wants.
 */
export class Debouncer<K> {
  private readonly pending = new Map<K, { timer: NodeJS.Timeout; firstAt: number }>();

  constructor(
    private readonly fire: (key: K) => void,
    private readonly quietMs = 50,
    private readonly maxWaitMs = 200,
  ) {}

  trigger(key: K): void {
    const now = Date.now();
    const entry = this.pending.get(key);
    if (entry) clearTimeout(entry.timer);
    const firstAt = entry?.firstAt ?? now;
    const wait = Math.max(0, Math.min(this.quietMs, firstAt + this.maxWaitMs - now));
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.fire(key);
    }, wait);
    timer.unref(); // a pending notification never keeps the process alive
    this.pending.set(key, { timer, firstAt });
  }

  /** Drop what is pending for `key`, or for every key. */
  cancel(key?: K): void {
    for (const [k, entry] of this.pending) {
      if (key !== undefined && k !== key) continue;
      clearTimeout(entry.timer);
      this.pending.delete(k);
    }
  }
}
