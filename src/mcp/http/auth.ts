import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { TokenGrant } from "./http-options.js";

/** Who a request comes in as: the token grant it presented, or `open` when the server takes no token (--no-auth). */
export type Caller = TokenGrant | "open";

/** A refused request: no bearer token at all, or one this server does not accept. */
export type AuthResult = { ok: true; caller: Caller } | { ok: false; problem: "missing" | "invalid" };

/** A token good enough to guard a board: 256 random bits, URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens. Tokens are looked up by their SHA-256,
 * so the time a lookup takes says nothing about how much of a guessed token was right.
 */
export class TokenTable {
  private readonly byHash: Map<string, TokenGrant> | undefined;

  /** `undefined`: no token is required (--no-auth on loopback). */
  constructor(grants: TokenGrant[] | undefined) {
    this.byHash = grants === undefined ? undefined : new Map(grants.map((grant) => [digest(grant.token), grant]));
  }

  authenticate(headers: IncomingHttpHeaders): AuthResult {
    if (this.byHash === undefined) return { ok: true, caller: "open" };
    const header = headers.authorization;
    const match = header === undefined ? null : /^Bearer +([^\s]+) *$/i.exec(header);
    if (!match) return { ok: false, problem: "missing" };
    const grant = this.byHash.get(digest(match[1]!));
    return grant ? { ok: true, caller: grant } : { ok: false, problem: "invalid" };
  }
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
