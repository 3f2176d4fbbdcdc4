import { join } from "node:path";

/** Where everything lives under a project root. Agent ids are validated before they reach `agentFile`. */
export interface HfsPaths {
  root: string;
  hfsDir: string;
  stateFile: string;
  /** The append-only history of board writes. */
  logFile: string;
  agentsDir: string;
  agentFile(agentId: string): string;
}

export function hfsPaths(root: string): HfsPaths {
  const hfsDir = join(root, ".hfs");
  const agentsDir = join(hfsDir, "agents");
  return {
    root,
    hfsDir,
    stateFile: join(hfsDir, "state.md"),
    logFile: join(hfsDir, "log.md"),
    agentsDir,
    agentFile: (agentId) => join(agentsDir, `${agentId}.md`),
  };
}
