import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { FileError } from "./file-error.js";
import { MAX_FILE_BYTES } from "./limits.js";

export interface FileSnapshot {
  text: string;
  bytes: Buffer;
  mode: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Read a file as strict UTF-8, or null when it does not exist. Refuses (FileError) a symlink, anything but a
 * regular file, a file over the size limit, and bytes that are not UTF-8 — decoding those loosely and writing
 * them back would silently replace a person's text with U+FFFD.
 */
export async function readStrict(path: string): Promise<FileSnapshot | null> {
  const bytes = await readBytes(path);
  if (!bytes) return null;
  let text: string;
  try {
    text = decoder.decode(bytes.data);
  } catch (cause) {
    throw new FileError("not_utf8", path, `\`${path}\` is not valid UTF-8; it was left untouched`, { cause });
  }
  return { text, bytes: bytes.data, mode: bytes.mode };
}

/** The raw bytes of a file with the same refusals as readStrict (except decoding), or null when missing. */
export async function readBytes(path: string): Promise<{ data: Buffer; mode: number } | null> {
  let handle;
  try {
    // O_NOFOLLOW: a symlink planted at the path fails with ELOOP instead of redirecting us elsewhere.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw new FileError("symlink", path, `\`${path}\` is a symlink; hfs-mcp does not follow links`);
    throw new FileError("io", path, `cannot open \`${path}\`: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FileError("not_a_file", path, `\`${path}\` is not a regular file`);
    if (stat.size > MAX_FILE_BYTES) {
      throw new FileError("too_large", path, `\`${path}\` is ${stat.size} bytes, over the ${MAX_FILE_BYTES}-byte limit`);
    }
    const data = await handle.readFile();
    if (data.length > MAX_FILE_BYTES) {
      throw new FileError("too_large", path, `\`${path}\` grew past the ${MAX_FILE_BYTES}-byte limit while being read`);
    }
    return { data, mode: stat.mode & 0o7777 };
  } finally {
    await handle.close();
  }
}
