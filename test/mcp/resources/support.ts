import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Client, type ClientOptions } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach } from "vitest";
import { createServer, type ServerOptions } from "../../../src/mcp/server.js";

/** Shared by the resources, roots and logging suites: an in-process server with a client of our choosing. */

const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((closable) => closable.close().catch(() => undefined)));
});

/** An SDK client (with the given capabilities; set handlers in `prepare`) talking to an in-process server. */
export async function connect(
  options: ServerOptions,
  clientOptions: ClientOptions = {},
  prepare: (client: Client) => void = () => undefined,
): Promise<Client> {
  const server = createServer({ log: () => undefined, ...options });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "hfs-mcp-test", version: "0.0.0" }, clientOptions);
  prepare(client);
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  open.push(client, server);
  return client;
}

/** Every `notifications/resources/updated` a client receives, with when it arrived. */
export class UpdateLog {
  readonly received: Array<{ uri: string; at: number }> = [];

  constructor(client: Client) {
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      this.received.push({ uri: notification.params.uri, at: performance.now() });
    });
  }

  /** Updates for `uri` received after `since` (a performance.now() time). */
  after(since: number, uri?: string): Array<{ uri: string; at: number }> {
    return this.received.filter((update) => update.at >= since && (uri === undefined || update.uri === uri));
  }

  /** When the first update for `uri` after `since` arrived; throws if none comes within `withinMs`. */
  async arrival(uri: string, since: number, withinMs = 5_000): Promise<number> {
    const until = performance.now() + withinMs;
    for (;;) {
      const first = this.after(since, uri)[0];
      if (first) return first.at;
      if (performance.now() > until) throw new Error(`no notifications/resources/updated for ${uri} within ${withinMs} ms`);
      await sleep(5);
    }
  }
}

/** Run `check` until it passes (or `ms` runs out, then its last error is thrown). */
export async function eventually(check: () => void | Promise<void>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await sleep(20);
    }
  }
}
