import type { BoardCallObserver, CurrentBoard } from "./current-board.js";

/** The board manager's methods that write, and so name an agent that is at work. */
const WRITES = new Set(["claim", "claimNext", "complete", "release", "add", "updateMemory"]);

/**
 * Presence for agents that name themselves per call (a server or session without a fixed agent): an agent this
 * server has written for is shown present until the server (its session, over HTTP) closes. And after any
 * write, the agents shown get their records if `.hfs/` did not exist before it. Returns the observer for the
 * board's calls and the function to call when the server closes.
 */
export function presenceOfCalls(board: CurrentBoard): { observe: BoardCallObserver; close: () => void } {
  const shown = new Map<string, () => void>();
  const observe: BoardCallObserver = (method, input, outcome, manager) => {
    if (!WRITES.has(method) || (outcome as { success?: unknown } | undefined)?.success !== true) return;
    const agent = (input as { agentId?: string } | undefined)?.agentId ?? manager.agentId;
    if (agent !== undefined && !shown.has(agent)) shown.set(agent, board.showPresent(agent));
    board.wrote();
  };
  const close = () => {
    for (const hide of shown.values()) hide();
    shown.clear();
  };
  return { observe, close };
}
