import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, isJSONRPCResultResponse, type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { MAX_REPLY_BYTES, MAX_REQUEST_BYTES } from "./message-limits.js";

/**
 * MCP over stdin/stdout, one JSON-RPC message per line, as the SDK's StdioServerTransport — with the two things
 * it lacks for a server that must never die of its client:
 *
 * - **Bounds** (message-limits.ts). A request line over MAX_REQUEST_BYTES is skipped to its end, and answered
 *   with a JSON-RPC error when its id can be read from its first bytes; the server keeps serving. (The SDK's
 *   buffer threw at 10 MiB and closed the transport: a 10 MiB argument got no reply and the server answered
 *   nothing afterwards.) A reply over MAX_REPLY_BYTES becomes an error for its request.
 * - **Backpressure.** While stdout does not take what is written (a client that stops reading), stdin is paused,
 *   so no further request is read and no further reply piles up in memory. (The SDK kept reading: a client that
 *   never read grew its server to 1 GB in 40 s.)
 */
export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while the current line is over the limit: its first and last bytes (for the id), and how long it got. */
  private oversize: { head: Buffer; tail: Buffer; bytes: number } | undefined;
  private closed = false;

  constructor(
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    private readonly maxRequestBytes = MAX_REQUEST_BYTES,
    private readonly maxReplyBytes = MAX_REPLY_BYTES,
  ) {}

  async start(): Promise<void> {
    this.stdin.on("data", this.onData);
    this.stdin.on("error", this.onError);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off("data", this.onData);
    this.stdin.off("error", this.onError);
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
    this.chunks = [];
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    let json = JSON.stringify(message);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxReplyBytes) {
      if (!isJSONRPCResultResponse(message)) {
        this.onerror?.(new Error(`dropped a ${bytes}-byte message to the client, over the ${this.maxReplyBytes}-byte limit`));
        return Promise.resolve();
      }
      json = JSON.stringify(
        errorReply(
          message.id,
          ErrorCode.InternalError,
          `the reply would be ${bytes} bytes, over hfs-mcp's ${this.maxReplyBytes}-byte limit: ask for less (a smaller limit, a page of memory)`,
        ),
      );
    }
    return new Promise((resolve) => {
      if (this.stdout.write(`${json}\n`)) return resolve();
      // The client is not reading: read nothing more from it until it does.
      this.stdin.pause();
      this.stdout.once("drain", () => {
        if (!this.closed) this.stdin.resume();
        resolve();
      });
    });
  }

  private readonly onError = (error: Error) => this.onerror?.(error);

  private readonly onData = (chunk: Buffer) => {
    let from = 0;
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, from)) {
      this.take(chunk.subarray(from, newline));
      this.endLine();
      from = newline + 1;
    }
    if (from < chunk.length) this.take(chunk.subarray(from));
  };

  // Add bytes to the current line; past the limit, keep only its first bytes and count the rest.
  private take(part: Buffer): void {
    if (part.length === 0) return;
    if (this.oversize) {
      this.oversize.bytes += part.length;
      this.oversize.tail = Buffer.concat([this.oversize.tail, part]).subarray(-1024);
      return;
    }
    this.chunks.push(part);
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxRequestBytes) {
      const line = Buffer.concat(this.chunks);
      this.oversize = { head: line.subarray(0, 1024), tail: line.subarray(-1024), bytes: line.length };
      this.chunks = [];
      this.pendingBytes = 0;
    }
  }

  private endLine(): void {
    if (this.oversize) {
      const { head, tail, bytes } = this.oversize;
      this.oversize = undefined;
      this.onerror?.(new Error(`skipped a ${bytes}-byte request, over the ${this.maxRequestBytes}-byte limit`));
      const id = idOf(head.toString("utf8"), tail.toString("utf8"));
      const text = `the request is ${bytes} bytes, over hfs-mcp's ${this.maxRequestBytes}-byte limit; no call needs that much (memory writes take at most 64 KiB)`;
      if (id !== undefined) void this.send(errorReply(id, ErrorCode.InvalidRequest, text));
      return;
    }
    if (this.chunks.length === 0) return;
    const line = Buffer.concat(this.chunks).toString("utf8").replace(/\r$/, "");
    this.chunks = [];
    this.pendingBytes = 0;
    if (line.trim() === "") return;
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(line));
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    this.onmessage?.(message);
  }
}

function errorReply(id: string | number, code: number, message: string): JSONRPCMessage {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

// The request's id, when it shows in the line's first or last bytes: clients write it before the params
// (`{"jsonrpc":"2.0","id":7,…`) or, as the SDK's client does, last (`…,"jsonrpc":"2.0","id":7}`).
function idOf(head: string, tail: string): string | number | undefined {
  const id = String.raw`"id"\s*:\s*(-?\d{1,15}(?![\d.eE])|"(?:[^"\\]|\\.){0,256}")`;
  const match = new RegExp(`${id}\\s*}\\s*$`).exec(tail) ?? new RegExp(`^\\s*{[^{]*?${id}`).exec(head);
  if (!match) return undefined;
  const raw = match[1]!;
  return raw.startsWith('"') ? (JSON.parse(raw) as string) : Number(raw);
}
