export { BoardManager, type BoardManagerOptions, DEFAULT_LOCK_TIMEOUT_MS } from "./board-manager.js";
export type { Claimed } from "./claims.js";
export type { Blocker } from "./dependencies.js";
export {
  describeFailure,
  explainFailure,
  FAILURE_REASONS,
  type Failure,
  type FailureReason,
  failure,
  isFailure,
  type Outcome,
} from "./failure.js";
export type { Completed } from "./item-changes.js";
export type { ItemChange, ItemRef } from "./item-decision.js";
export type { Listing, ListQuery, StatusCounts, WorkItem } from "./listing.js";
export type { Memory } from "./memory.js";
export { DEFAULT_PRESENCE_INTERVAL_MS, MISSED_BEATS } from "./presence.js";
export { checkAgentId } from "./validate.js";
