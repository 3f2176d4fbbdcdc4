import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { checkAgentId, explainFailure } from "../../board/index.js";
import type { HfsPaths } from "../../store/index.js";

export const STATE_URI = "hfs://state";
export const AGENT_URI_PREFIX = "hfs://agents/";
export const AGENT_URI_TEMPLATE = `${AGENT_URI_PREFIX}{agent_id}`;

export function agentUri(agentId: string): string {
  return `${AGENT_URI_PREFIX}${agentId}`;
}

/**
 * The file behind a resource URI. An unknown URI, or an agent id that could never name a memory file, is the
 * caller's mistake: a JSON-RPC "invalid params" error (-32602, as the MCP spec now asks for a missing resource),
 * with the URI in `data`. Ids are checked before they reach a path, so no URI can point outside `.hfs/agents/`.
 */
export function fileOfUri(uri: string, paths: HfsPaths): string {
  if (uri === STATE_URI) return paths.stateFile;
  if (uri.startsWith(AGENT_URI_PREFIX)) {
    const agentId = uri.slice(AGENT_URI_PREFIX.length);
    const invalid = checkAgentId(agentId);
    if (invalid) throw new McpError(ErrorCode.InvalidParams, `${uri}: ${explainFailure(invalid)}`, { uri });
    return paths.agentFile(agentId);
  }
  throw new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found: hfs-mcp serves ${STATE_URI} and ${AGENT_URI_TEMPLATE}`, { uri });
}

/** The agent id a memory file name stands for, if it is one (`alpha.md` → `alpha`; temp files and strays → undefined). */
export function agentIdOfFileName(name: string): string | undefined {
  if (!name.endsWith(".md")) return undefined;
  const agentId = name.slice(0, -".md".length);
  return checkAgentId(agentId) === undefined ? agentId : undefined;
}
