import { existsSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { sep } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type Resource,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { FileError, type HfsPaths, hfsPaths } from "../../store/index.js";
import type { CurrentBoard } from "../current-board.js";
import { Debouncer } from "./debounce.js";
import { type ChangeKind, HfsWatcher } from "./file-watcher.js";
import { AGENT_URI_TEMPLATE, agentIdOfFileName, agentUri, fileOfUri, STATE_URI } from "./resource-uris.js";

const MIME = "text/markdown";

/**
 * The board and the agents' memories as MCP resources: `hfs://state` and `hfs://agents/{agent_id}`, listed,
 * readable, and subscribable. A subscriber hears `notifications/resources/updated` once per burst of changes to
 * the file, whoever made them (see HfsWatcher). The watcher starts with the first subscription, not before:
 * most clients never subscribe, and start-up stays as cheap as a server without resources.
 *
 * A file that does not exist yet (no board before the first write, an agent that never saved memory) reads
 * as empty text rather than an error, so a client can read and subscribe before anything is written.
 */
export function registerBoardResources(server: McpServer, board: CurrentBoard, log: (message: string) => void): void {
  const subscribed = new Set<string>();
  const notify = new Debouncer<string>((uri) => {
    if (subscribed.has(uri)) server.server.sendResourceUpdated({ uri }).catch(() => undefined);
  });
  let watcher: HfsWatcher | undefined;
  let watched: HfsPaths | undefined;

  const changed = (path: string, kind: ChangeKind) => {
    if (watched === undefined) return;
    for (const uri of subscribed) {
      const file = fileOfUri(uri, watched);
      if (file !== path && !file.startsWith(path + sep)) continue;
      // A folder that appeared only matters for the files in it: one not written yet has not changed.
      if (kind === "appeared" && !existsSync(file)) continue;
      notify.trigger(uri);
    }
  };
  const startWatching = (root: string) => {
    watcher?.close();
    watched = hfsPaths(root);
    watcher = new HfsWatcher(watched, changed, log);
    watcher.start();
  };
  const stopWatching = () => {
    watcher?.close();
    watcher = watched = undefined;
    notify.cancel();
  };

  // Another root, other files: every subscribed URI now reads differently.
  const stopHearingSwitches = board.onSwitch((root) => {
    if (watcher === undefined) return;
    startWatching(root);
    for (const uri of subscribed) notify.trigger(uri);
  });
  // A closed session must let go of the board (over HTTP, one board outlives every session).
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    previousOnClose?.();
    stopHearingSwitches();
    subscribed.clear();
    stopWatching();
  };

  server.server.registerCapabilities({ resources: { subscribe: true } });

  server.server.setRequestHandler(ListResourcesRequestSchema, () =>
    board.run(async (manager) => {
      const { hfsDir, agentsDir } = manager.store.paths;
      const resources: Resource[] = [
        {
          uri: STATE_URI,
          name: "state",
          title: "Shared board (.hfs/state.md)",
          description: "The work items every agent shares; empty until the first write creates it.",
          mimeType: MIME,
        },
      ];
      for (const agentId of await memoryFiles(hfsDir, agentsDir)) {
        resources.push({
          uri: agentUri(agentId),
          name: `agents/${agentId}`,
          title: `Memory of ${agentId} (.hfs/agents/${agentId}.md)`,
          mimeType: MIME,
        });
      }
      return { resources };
    }),
  );

  server.server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: AGENT_URI_TEMPLATE,
        name: "agent-memory",
        title: "An agent's memory (.hfs/agents/<agent_id>.md)",
        description: "Notes an agent keeps across restarts (scratchpad, subtasks, notes); empty until it first saves some.",
        mimeType: MIME,
      },
    ],
  }));

  server.server.setRequestHandler(ReadResourceRequestSchema, (request) =>
    board.run(async (manager) => {
      const { uri } = request.params;
      const file = fileOfUri(uri, manager.store.paths);
      let text: string | null;
      try {
        text = await manager.store.read(file);
      } catch (error) {
        if (!(error instanceof FileError)) throw error;
        throw new McpError(ErrorCode.InternalError, `${uri}: ${error.message}. Ask a person to fix the file.`, { uri });
      }
      return { contents: [{ uri, mimeType: MIME, text: text ?? "" }] };
    }),
  );

  server.server.setRequestHandler(SubscribeRequestSchema, (request) =>
    board.run(async (manager) => {
      const { uri } = request.params;
      fileOfUri(uri, manager.store.paths); // refuses unknown URIs and invalid ids
      subscribed.add(uri);
      if (watcher === undefined) startWatching(manager.store.paths.root);
      return {};
    }),
  );

  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(request.params.uri);
    notify.cancel(request.params.uri);
    if (subscribed.size === 0) stopWatching();
    return {};
  });
}

/** The agent ids with a memory file, in order. Links are not followed: the store refuses them too. */
async function memoryFiles(hfsDir: string, agentsDir: string): Promise<string[]> {
  try {
    if ((await lstat(hfsDir)).isSymbolicLink() || (await lstat(agentsDir)).isSymbolicLink()) return [];
    const entries = await readdir(agentsDir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => agentIdOfFileName(entry.name))
      .filter((agentId): agentId is string => agentId !== undefined)
      .sort();
  } catch {
    return []; // no .hfs/agents yet
  }
}
