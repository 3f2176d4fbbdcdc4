import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/**
 * Follows an append-only file: each call returns only the complete lines added since the last one, so a
 * reader keeps an index up to date without rescanning the file. A torn last line (a writer killed mid-append)
 * stays unread until it is completed — or forever, which is what a torn line deserves. A file that shrank or
 * was replaced (another inode) is read again from the start.
 */
export class LogTail {
  private offset = 0;
  private ino = -1;
  private readonly decoder = new TextDecoder("utf-8");

  constructor(private readonly path: string) {}

  /** New complete lines, and whether the file was restarted (the caller should drop what it built). */
  read(): { lines: string[]; restarted: boolean } {
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      const restarted = this.offset > 0;
      this.offset = 0;
      return { lines: [], restarted };
    }
    try {
      const stat = fstatSync(fd);
      let restarted = false;
      if (stat.ino !== this.ino || stat.size < this.offset) {
        restarted = this.offset > 0;
        this.ino = stat.ino;
        this.offset = 0;
      }
      if (stat.size === this.offset) return { lines: [], restarted };
      const buffer = Buffer.allocUnsafe(stat.size - this.offset);
      let length = 0;
      while (length < buffer.length) {
        const read = readSync(fd, buffer, length, buffer.length - length, this.offset + length);
        if (read === 0) break;
        length += read;
      }
      const end = buffer.lastIndexOf(10, length - 1) + 1; // complete lines only
      this.offset += end;
      const text = this.decoder.decode(buffer.subarray(0, end));
      return { lines: text.split("\n").slice(0, -1), restarted };
    } finally {
      closeSync(fd);
    }
  }
}
