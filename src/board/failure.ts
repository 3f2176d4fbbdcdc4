import type { ItemStatus } from "../markdown/index.js";
import type { Blocker } from "./dependencies.js";

/** Every way a call can fail. Agents branch on `reason`; `hint` tells them what to do next. */
export const FAILURE_REASONS = [
  "not_found",
  "ambiguous",
  "not_available",
  "none_available",
  "not_owner",
  "already_complete",
  "blocked",
  "duplicate",
  "invalid_input",
  "agent_id_required",
  "agent_mismatch",
  "lock_timeout",
  "contention",
  "board_conflict",
  "file_error",
  "sync_unavailable",
] as const;

export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface Failure {
  success: false;
  reason: FailureReason;
  /** One sentence for the agent: what happened, with the offending value. */
  message: string;
  /** What to do next. */
  hint: string;
  suggestions?: string[];
  candidates?: { description: string; line: number }[];
  status?: ItemStatus;
  claimed_by?: string | null;
  field?: string;
  /** For `blocked`: what the item waits for. */
  blocked_by?: Blocker[];
}

/** A call's result: its success shape (which carries `success: true`) or a Failure. */
export type Outcome<T extends { success: true }> = T | Failure;

export function failure(reason: FailureReason, message: string, hint: string, extra: Partial<Failure> = {}): Failure {
  return { success: false, reason, message, hint, ...extra };
}

/** A failure as a sentence for people: `message. hint`. */
export function explainFailure(f: { message: string; hint: string }): string {
  return `${f.message}. ${f.hint}`;
}

/** A failure as one line: `reason: message. hint`. */
export function describeFailure(f: { reason: string; message: string; hint: string }): string {
  return `${f.reason}: ${explainFailure(f)}`;
}

export function isFailure(value: object): value is Failure {
  return (value as Partial<Failure>).success === false;
}
