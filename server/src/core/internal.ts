/**
 * The explicit internal entry (`pacchettino/internal`): single protocol steps and process
 * facts that the test suites drive directly, and the pieces our own worker package shares
 * with the core (the folder watch, the mtime tick, the refusals of a queue path or folder that
 * is no directory). Not part of the public API; no semver promise.
 */
export { claim } from './claim';
export { QueuedCursor } from './queuedCursor';
export { inShare } from './consumerShare';
export { registrationName } from './consumers';
export { Layout, STATE_DIRS, notRealDirError, queuePathError } from './layout';
export { claimMadeMs } from './ownerLiveness';
export { pidExists, readProcStat } from './hostIdentity';
export { FolderWatch, type FolderEvent } from './folderWatch';
export { FolderIndex } from './folderIndex';
export { LISTINGS, type FolderListings } from './folderSnapshot';
export { MTIME_TICK_SLACK_MS } from './mtimeTick';
export { SMALL_META_BYTES } from './jobRecord';
export { decodeOwnerFile, LeaseObserver } from './ownerLease';
export { HistoryTally } from './history';
