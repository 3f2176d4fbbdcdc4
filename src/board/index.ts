export {
  BoardManager,
  type BoardManagerOptions,
  DEFAULT_LOCK_TIMEOUT_MS,
  type ItemChange,
  type ItemRef,
  type StatusCounts,
  type WorkItem,
} from "./board-manager.js";
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
export { checkAgentId } from "./validate.js";
