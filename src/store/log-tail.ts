import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** The most of the log a reader takes in at once: on its first look, only the log's last this-many bytes. */
export const LOG_WINDOW_BYTES = 16 * 1024 * 1024;

export interface TailRead {
  /** Complete lines added since the last call. */
  lines: string[];
  /** The file was replaced, cut, or skipped ahead: drop what was built from earlier lines. */
  restarted: boolean;
  /** Why the log cannot be read at all (a FIFO, a directory, an I/O error); its lines are then unknown. */
  unreadable?: string;
}

/**
 * Follows an append-only file: each call returns only the complete lines added since the last one, so a reader
 * keeps an index up to date without rescanning the file. A torn last line (a writer killed mid-append) stays
 * unread until it is completed (appenders start on a fresh line, so it never swallows the next one). A file
 * that shrank or was replaced (another inode) is read again from the start.
 *
 * Bounded: the first look (and a look after more than a window was appended at once) reads only the last
 * LOG_WINDOW_BYTES, from the first line that starts in it. Why: a 564 MB log made the first call fail with
 * ERR_STRING_TOO_LONG, and a million lines cost 1.7 s and 287 MB. 16 MiB is ~150,000 history lines: claims older
 * than that have an unknown time. Opened non-blocking, and only a regular file is read: a FIFO there hung every
 * server (0.1.0).
 */
export class LogTail {
  private offset = 0;
  private ino = -1;
  private readonly decoder = new TextDecoder("utf-8");

  constructor(
    private readonly path: string,
    private readonly windowBytes = LOG_WINDOW_BYTES,
  ) {}

  read(): TailRead {
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const restarted = this.offset > 0;
      this.offset = 0;
      this.ino = -1;
      if (code === "ENOENT") return { lines: [], restarted };
      return { lines: [], restarted, unreadable: `cannot open it (${code ?? (error as Error).message})` };
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) {
        const restarted = this.offset > 0;
        this.offset = 0;
        return { lines: [], restarted, unreadable: "it is not a regular file" };
      }
      let restarted = false;
      if (stat.ino !== this.ino || stat.size < this.offset) {
        restarted = this.offset > 0;
        this.ino = stat.ino;
        this.offset = 0;
      }
      let skipFirst = false;
      if (stat.size - this.offset > this.windowBytes) {
        // Only the window's worth: start mid-file, and drop the partial line it starts in.
        restarted ||= this.offset > 0;
        this.offset = stat.size - this.windowBytes;
        skipFirst = true;
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
      const firstBreak = buffer.indexOf(10);
      const start = !skipFirst ? 0 : firstBreak < 0 ? length : firstBreak + 1;
      this.offset += end;
      if (end <= start) return { lines: [], restarted: restarted || skipFirst };
      const text = this.decoder.decode(buffer.subarray(start, end));
      return { lines: text.split("\n").slice(0, -1), restarted: restarted || skipFirst };
    } catch (error) {
      return {
        lines: [],
        restarted: false,
        unreadable: `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      };
    } finally {
      closeSync(fd);
    }
  }
}
