import type { OutgoingHttpHeaders } from "node:http";

/**
 * hfs-mcp takes a static bearer token and runs no OAuth. MCP clients that meet a 401 still start the MCP
 * authorization flow (Claude Code, mcp-remote, anything on the SDK's `auth()`): they read the Protected Resource
 * Metadata (RFC 9728), then look for authorization server metadata (RFC 8414 and OpenID Connect paths), and with
 * none found register themselves at `/register` (RFC 7591). Answered with plain 404s, that ends in an error about
 * OAuth (`Invalid OAuth error response`, `Dynamic Client Registration rejected (HTTP 404)`) and the user never
 * learns that a token is what is missing. So each step gets a truthful answer that carries the one message that
 * helps:
 *
 * - the metadata says what is true: a protected resource that takes bearer tokens in the `Authorization` header,
 *   with no authorization server;
 * - the authorization server paths are 404 (there is none), with an OAuth error body naming the token;
 * - registration, authorization and token requests fail the way RFC 7591 / 6749 have a client read an error
 *   (400 and `{ error, error_description }`), so the client shows `error_description`: ours.
 */

/** Where a client finds how to pass the token, in the words a person can act on. */
export function tokenRequiredMessage(mcpUrl: string): string {
  // One line without `"` or a backslash: RFC 6749 allows neither in error_description, and clients print it as it is.
  return (
    "hfs-mcp uses no OAuth sign-in: a bearer token is required: pass `Authorization: Bearer <token>` with the token " +
    "the server printed at start (or the one set in HFS_TOKEN / HFS_TOKENS). For example: " +
    `claude mcp add --transport http hfs ${mcpUrl} --header 'Authorization: Bearer <token>'; ` +
    `npx mcp-remote ${mcpUrl} --header 'Authorization: Bearer <token>'; ` +
    `codex mcp add hfs --url ${mcpUrl} --bearer-token-env-var HFS_TOKEN.`
  );
}

/** The RFC 9728 metadata paths, for the resource at `/mcp` and for the origin (clients try both). */
const RESOURCE_METADATA = /^\/\.well-known\/oauth-protected-resource(?:\/mcp)?$/;

/** Where clients look for an authorization server's metadata, as the MCP SDK builds those URLs (RFC 8414, OIDC). */
const AUTHORIZATION_SERVER_METADATA =
  /^(?:\/\.well-known\/(?:oauth-authorization-server|openid-configuration)(?:\/mcp)?|\/mcp\/\.well-known\/openid-configuration)$/;

/** The endpoints a client falls back to when no authorization server metadata names them. */
const OAUTH_ENDPOINTS = new Set(["/register", "/authorize", "/token"]);

export interface DiscoveryAnswer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

/** The metadata document's URL for the resource at `mcpUrl`, as sent in `WWW-Authenticate: Bearer resource_metadata=…`. */
export function resourceMetadataUrl(mcpUrl: string): string {
  const url = new URL(mcpUrl);
  return `${url.origin}/.well-known/oauth-protected-resource${url.pathname}`;
}

/**
 * The answer to a request for `path` that is part of OAuth discovery, or undefined when the path is not.
 * `mcpUrl` is the MCP endpoint as the client reached it (its `Host`), e.g. `http://127.0.0.1:7777/mcp`.
 */
export function answerDiscovery(method: string, path: string, mcpUrl: string): DiscoveryAnswer | undefined {
  const json = { "Content-Type": "application/json", "Cache-Control": "no-store" };
  if (RESOURCE_METADATA.test(path)) {
    if (method !== "GET" && method !== "HEAD") return methodNotAllowed("GET");
    const metadata = {
      resource: mcpUrl,
      bearer_methods_supported: ["header"],
      resource_name: "hfs-mcp (bearer token required; no authorization server)",
    };
    return { status: 200, headers: json, body: JSON.stringify(metadata) };
  }
  const oauthError = (status: number, error: string) => ({
    status,
    headers: json,
    body: JSON.stringify({ error, error_description: tokenRequiredMessage(mcpUrl) }),
  });
  if (AUTHORIZATION_SERVER_METADATA.test(path)) return oauthError(404, "invalid_request");
  // 400 with `invalid_client_metadata` is how RFC 7591 refuses a registration; `invalid_request` the rest (RFC 6749).
  if (OAUTH_ENDPOINTS.has(path)) return oauthError(400, path === "/register" ? "invalid_client_metadata" : "invalid_request");
  return undefined;
}

function methodNotAllowed(allow: string): DiscoveryAnswer {
  return { status: 405, headers: { Allow: allow, "Content-Type": "text/plain" }, body: `Method Not Allowed: use ${allow}` };
}
