export {
  type BoardLocation,
  type BoardLocator,
  type BoardPlacement,
  boardLocator,
  DEFAULT_GIT_SYNC,
  type GitSyncSettings,
} from "./board-location.js";
export { GitStore, type GitStoreOptions } from "./git-store.js";
export type { LocalMirror } from "./local-mirror.js";
export { localMirror } from "./local-mirror-adapter.js";
export { SyncUnavailableError } from "./sync-unavailable-error.js";
export { worktreeBoardRoot } from "./worktree-board.js";
