import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

export interface GitObject {
  oid: string;
  type: string;
  data: Buffer;
}

interface Request {
  name: string;
  resolve: (object: GitObject | null) => void;
  reject: (error: Error) => void;
}

/**
 * Reads objects through one long-lived `git cat-file --batch` process: a sync reads a few trees and blobs,
 * and a process per read costs 3–4 ms idle and tens of milliseconds on a loaded machine (measured: 8 servers
 * on 2 cores spent 0.4 s a round preparing commits, mostly spawning). Objects that appear after it started —
 * fetched, or written by us — are found too: git looks a missing object up again after rescanning its packs.
 *
 * Requests are answered in order; a process that dies or does not answer within `timeoutMs` is killed, its
 * pending reads fail, and the next read starts a new one.
 */
export class ObjectReader {
  private child: ChildProcessWithoutNullStreams | undefined;
  private queue: Request[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }) {}

  /** The object `name` (an oid, or `<commit>:<path>`), or null when there is none. */
  read(name: string): Promise<GitObject | null> {
    if (/[\n\r]/.test(name)) return Promise.reject(new Error(`cannot read the git object \`${name}\``));
    return new Promise((resolve, reject) => {
      const child = this.start();
      this.queue.push({ name, resolve, reject });
      this.arm();
      child.stdin.write(`${name}\n`);
    });
  }

  close(): void {
    this.stop(new Error("the object reader was closed"));
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn("git", ["cat-file", "--batch"], { cwd: this.options.cwd, env: this.options.env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    child.stdin.on("error", () => undefined); // the exit below reports it
    child.on("error", (error) => this.stop(error));
    child.on("exit", (code) => {
      if (this.child === child) this.stop(new Error(`git cat-file --batch exited (code ${code})${stderr ? `: ${stderr.trim()}` : ""}`));
    });
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    this.child = child;
    return child;
  }

  // Answer as many queued reads as the bytes received allow.
  private drain(): void {
    for (;;) {
      const request = this.queue[0];
      if (!request) return;
      const end = this.buffer.indexOf(10);
      if (end < 0) return;
      const header = this.buffer.subarray(0, end).toString("utf8");
      if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
        this.buffer = this.buffer.subarray(end + 1);
        this.queue.shift();
        request.resolve(null);
      } else {
        const match = /^([0-9a-f]+) (\S+) (\d+)$/.exec(header);
        if (!match) {
          this.stop(new Error(`git cat-file --batch answered \`${header}\` for \`${request.name}\``));
          return;
        }
        const size = Number(match[3]);
        if (this.buffer.length < end + 1 + size + 1) return; // the rest is on its way
        const data = Buffer.from(this.buffer.subarray(end + 1, end + 1 + size));
        this.buffer = this.buffer.subarray(end + 1 + size + 1);
        this.queue.shift();
        request.resolve({ oid: match[1]!, type: match[2]!, data });
      }
      this.arm();
    }
  }

  // One timer for the oldest pending read.
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    this.timer = setTimeout(
      () => this.stop(new Error(`git cat-file --batch gave no answer within ${this.options.timeoutMs} ms`)),
      this.options.timeoutMs,
    );
    this.timer.unref();
  }

  private stop(error: Error): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const child = this.child;
    this.child = undefined;
    this.buffer = Buffer.alloc(0);
    child?.kill("SIGKILL");
    for (const request of this.queue.splice(0)) request.reject(error);
  }
}
