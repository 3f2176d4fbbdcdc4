import { type BoardManager, describeFailure } from "../../board/index.js";

/**
 * `hfs-mcp release "<description>" --force --reason "..."`: a person frees an orphaned claim from a terminal,
 * through the same manager, lock and log as an agent's forced release_item.
 */
export async function forcedRelease(
  manager: BoardManager,
  input: { description: string; reason?: string; line?: number },
): Promise<{ code: number; text: string }> {
  const outcome = await manager.release({ ...input, force: true });
  if (!outcome.success) return { code: 1, text: describeFailure(outcome) };
  return { code: 0, text: `Released "${outcome.description}" (line ${outcome.line}), which ${outcome.previous_holder} held.` };
}
