import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, isJSONRPCResultResponse, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * How big one message may be, each way. Why these numbers: the SDK's stdio transports, in clients and servers
 * alike, drop the whole connection when one line passes 10 MiB — a 4 MiB memory file made a reply of ~12 MiB
 * and killed the client; a 10 MiB request killed the server's transport. Every valid call is far smaller (a
 * memory write is at most 64 KiB of content, a description 500 characters), as is every reply hfs-mcp builds
 * (a page of 1,000 items, a page of memory), so the bounds only ever catch accidents and attacks, and leave a
 * client more than twice the room it needs. The HTTP mode refuses bodies over the same 1 MiB (413).
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/**
 * A reply that would pass MAX_REPLY_BYTES becomes a JSON-RPC error for the same request, so the client hears why
 * instead of losing its connection; a notification that large is dropped (and reported to `onDropped`).
 */
export function boundReplies(transport: Transport, onDropped: (message: string) => void): Transport {
  const send = transport.send.bind(transport);
  transport.send = (message: JSONRPCMessage, options?: TransportSendOptions) => {
    const bytes = Buffer.byteLength(JSON.stringify(message));
    if (bytes <= MAX_REPLY_BYTES) return send(message, options);
    if (isJSONRPCResultResponse(message)) {
      const error = {
        jsonrpc: "2.0" as const,
        id: message.id,
        error: {
          code: ErrorCode.InternalError,
          message: `the reply would be ${bytes} bytes, over hfs-mcp's ${MAX_REPLY_BYTES}-byte limit: ask for less (a smaller limit, a page of memory)`,
        },
      };
      return send(error, options);
    }
    onDropped(`dropped a ${bytes}-byte message to the client, over the ${MAX_REPLY_BYTES}-byte limit`);
    return Promise.resolve();
  };
  return transport;
}
