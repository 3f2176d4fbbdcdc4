import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";
import { type HttpOptions, normalizeHost } from "./http-options.js";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARDS = new Set(["0.0.0.0", "::"]);

/**
 * The host names a request may name in `Host` (and in `Origin`, when a browser sends one). This is the defence
 * against DNS rebinding: a web page on `evil.example` that gets its name pointed at this server still sends
 * `Host: evil.example`, and is refused.
 *
 * - bound to loopback: `localhost`, `127.0.0.1`, `[::1]` (and the bound address);
 * - bound to one address or name: that one, and this machine's host name;
 * - bound to every interface (`0.0.0.0`, `::`): every address of this machine, its host name, and the
 *   loopback names;
 * - always: the names given with --allowed-hosts (a DNS name the machine is reached by, a reverse proxy).
 */
export function allowedHostnames(options: Pick<HttpOptions, "host" | "loopback" | "allowedHosts">): Set<string> {
  const names = new Set<string>(options.allowedHosts.map(bracketed));
  if (options.loopback) {
    for (const name of LOOPBACK_NAMES) names.add(name);
    names.add(bracketed(options.host));
    return names;
  }
  names.add(normalizeHost(hostname()));
  if (!WILDCARDS.has(options.host)) {
    names.add(bracketed(options.host));
    return names;
  }
  for (const name of LOOPBACK_NAMES) names.add(name);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const { address } of addresses ?? []) names.add(bracketed(address.replace(/%.*$/, "")));
  }
  return names;
}

/** Why a request's `Host` or `Origin` is refused, or undefined when both are acceptable. */
export function checkHostAndOrigin(headers: IncomingHttpHeaders, allowed: Set<string>): string | undefined {
  const host = headers.host;
  if (host === undefined || host === "") return "Missing Host header";
  const hostName = hostnameOf(`http://${host}`);
  if (hostName === undefined || !allowed.has(hostName)) return `Invalid Host: ${host}`;
  const origin = headers.origin;
  // Clients that are not browsers send no Origin; a browser always does on a cross-site request.
  if (origin === undefined) return undefined;
  const originName = /^https?:\/\//i.test(origin) ? hostnameOf(origin) : undefined;
  if (originName === undefined || !allowed.has(originName)) return `Invalid Origin: ${origin}`;
  return undefined;
}

/** The URL's host name as compared here: lower case, IPv6 in brackets, no trailing dot. */
function hostnameOf(url: string): string | undefined {
  try {
    return normalizeHost(new URL(url).hostname);
  } catch {
    return undefined;
  }
}

/** As a URL's host name shows it: IPv6 in brackets. */
function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${normalizeHost(host)}]` : normalizeHost(host);
}
