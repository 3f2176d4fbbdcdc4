import { resolveAgent } from "../board/identity.js";
import type { BoardManager } from "../board/index.js";

/** The manager's methods whose input names the calling agent (`agentId`), and `add`, which names nobody. */
const NAMES_AGENT = new Set(["claim", "claimNext", "complete", "release", "getMemory", "updateMemory"]);

/**
 * `manager` as one agent sees it, when the manager itself is shared by several agents and has no agent of its
 * own (HTTP: one board manager, one session per agent). Each call is held to the rule a server started with
 * `--agent-id` applies (resolveAgent): it may omit `agent_id` or repeat `agent`, and naming another agent is
 * `agent_mismatch`. `add` names no agent; it is told `agent` all the same, for the log line (logging.ts).
 */
export function actingAs(manager: BoardManager, agent: string): BoardManager {
  return new Proxy(manager, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== "string" || typeof value !== "function" || !(NAMES_AGENT.has(key) || key === "add")) return value;
      const method = value as (input: { agentId?: string } | undefined, ...rest: unknown[]) => Promise<unknown>;
      return async (input: { agentId?: string } | undefined, ...rest: unknown[]) => {
        if (key === "add") return method.call(target, { ...input, agentId: agent }, ...rest);
        const who = resolveAgent(agent, input?.agentId);
        if (typeof who !== "string") return who;
        return method.call(target, { ...input, agentId: who }, ...rest);
      };
    },
  });
}
