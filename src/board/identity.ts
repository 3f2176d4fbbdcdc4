import { type Failure, failure } from "./failure.js";
import { checkAgentId } from "./validate.js";

/**
 * Who is calling. The id the server was started with is the caller; a call may name itself only when the
 * server has no id, or repeat the same one — one agent can never act as another through a shared server.
 */
export function resolveAgent(configured: string | undefined, passed: string | undefined): Failure | string {
  if (passed !== undefined) {
    const invalid = checkAgentId(passed);
    if (invalid) return invalid;
  }
  if (configured !== undefined) {
    if (passed !== undefined && passed !== configured) {
      return failure(
        "agent_mismatch",
        `this server acts for \`${configured}\`, not \`${passed}\``,
        `Omit agent_id (you are \`${configured}\`), or use the server started for \`${passed}\`.`,
      );
    }
    return configured;
  }
  if (passed !== undefined) return passed;
  return failure(
    "agent_id_required",
    "no agent id: the server was started without --agent-id and the call passed none",
    "Pass agent_id (e.g. `agent-1`), the same one on every call, or start the server with --agent-id.",
  );
}
