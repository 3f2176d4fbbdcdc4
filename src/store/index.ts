export { Store, type Decision, type StoreOptions } from "./store.js";
export { FileError, LockTimeoutError, ConcurrentEditError, type FileProblem } from "./file-error.js";
export { DirLock, LOCK_DIR_NAME, TURN_DIR_NAME, type LockLease, type DirLockOptions } from "./dir-lock.js";
export { writeFileAtomic } from "./atomic-write.js";
export { readStrict } from "./strict-read.js";
export { removeOrphanTempFiles } from "./temp-files.js";
export { hfsPaths, type HfsPaths } from "./hfs-paths.js";
export { MAX_FILE_BYTES } from "./limits.js";
export { LogTail } from "./log-tail.js";
