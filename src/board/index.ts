export {
  BoardManager,
  DEFAULT_LOCK_TIMEOUT_MS,
  type BoardManagerOptions,
  type ItemChange,
  type ItemRef,
  type StatusCounts,
  type WorkItem,
} from "./board-manager.js";
export {
  describeFailure,
  explainFailure,
  FAILURE_REASONS,
  failure,
  isFailure,
  type Failure,
  type FailureReason,
  type Outcome,
} from "./failure.js";
export { checkAgentId } from "./validate.js";
