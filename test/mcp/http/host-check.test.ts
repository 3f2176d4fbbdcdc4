import { hostname, networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { allowedHostnames, checkHostAndOrigin } from "../../../src/mcp/http/host-check.js";

describe("allowedHostnames", () => {
  it("on loopback: the loopback names only (plus --allowed-hosts)", () => {
    expect([...allowedHostnames({ host: "127.0.0.1", loopback: true, allowedHosts: [] })].sort()).toEqual([
      "127.0.0.1",
      "[::1]",
      "localhost",
    ]);
    expect(allowedHostnames({ host: "::1", loopback: true, allowedHosts: ["dev.test"] })).toEqual(
      new Set(["localhost", "127.0.0.1", "[::1]", "dev.test"]),
    );
    expect(allowedHostnames({ host: "127.0.0.2", loopback: true, allowedHosts: [] })).toContain("127.0.0.2");
    expect(allowedHostnames({ host: "127.0.0.1", loopback: true, allowedHosts: [] })).not.toContain(hostname().toLowerCase());
  });

  it("on one address: that address and the machine's name, not the loopback names", () => {
    const allowed = allowedHostnames({ host: "192.168.1.5", loopback: false, allowedHosts: [] });
    expect(allowed).toEqual(new Set(["192.168.1.5", hostname().toLowerCase()]));
  });

  it("on every interface: each address of this machine, its name and the loopback names", () => {
    const allowed = allowedHostnames({ host: "0.0.0.0", loopback: false, allowedHosts: ["board.lan"] });
    for (const name of ["localhost", "127.0.0.1", "[::1]", "board.lan", hostname().toLowerCase()]) expect(allowed).toContain(name);
    for (const { address, family } of Object.values(networkInterfaces()).flatMap((addresses) => addresses ?? [])) {
      expect(allowed).toContain(family === "IPv6" ? `[${address.replace(/%.*$/, "")}]` : address);
    }
    expect(allowed).not.toContain("evil.example.com");
  });
});

describe("checkHostAndOrigin", () => {
  const allowed = new Set(["localhost", "127.0.0.1", "[::1]"]);

  it("accepts an allowed Host, with or without a port, in any case, and no Origin (clients that are not browsers)", () => {
    for (const host of ["localhost", "localhost:7777", "LOCALHOST:7777", "127.0.0.1:1", "[::1]:7777", "localhost.:7777"]) {
      expect(checkHostAndOrigin({ host }, allowed), host).toBeUndefined();
    }
  });

  it("refuses a missing, foreign or malformed Host", () => {
    expect(checkHostAndOrigin({}, allowed)).toBe("Missing Host header");
    for (const host of [
      "evil.example.com",
      "evil.example.com:7777",
      "localhost.evil.example.com",
      "127.0.0.1.nip.io",
      "[::2]:7777",
      "a b",
      "localhost:99999",
    ]) {
      expect(checkHostAndOrigin({ host }, allowed), host).toMatch(/^Invalid Host/);
    }
  });

  it("refuses an Origin that is not an http(s) URL naming an allowed host", () => {
    expect(checkHostAndOrigin({ host: "localhost:7777", origin: "http://localhost:7777" }, allowed)).toBeUndefined();
    expect(checkHostAndOrigin({ host: "localhost:7777", origin: "https://127.0.0.1" }, allowed)).toBeUndefined();
    for (const origin of [
      "http://evil.example.com",
      "null",
      "",
      "file:///",
      "chrome-extension://abc",
      "http://localhost.evil.example.com",
    ]) {
      expect(checkHostAndOrigin({ host: "localhost:7777", origin }, allowed), origin).toMatch(/^Invalid Origin/);
    }
  });
});
