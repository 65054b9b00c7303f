/** The queue core: no VS Code, no RPC, no command-line parsing. */
export { Pacchettino, isQueueDir } from './queue';
export type { QueueOptions, Counts, PacchettinoEvents, RequeueAllOptions, CleanupOptions } from './queue';
export type { ReceiveOptions, JobEvent } from './consumer';
export { KeepPolicy, Result, LISTABLE_STATES, FINISHED_STATES } from './policy';
export type { JobState, ListableState, FinishedState, FinishedStates, RetryPolicy } from './policy';
export { JobNotStarted } from './handler';
export type { Job, DataJob, FileJob, Handler, HandlerAnswer } from './handler';
export type { JobInfo, JobDetails, JobPage, ListOptions } from './inspect';
export type { JobRecord, FailureDetail } from './jobRecord';
export { MAX_OUTPUT_CHARS } from './jobRecord';
export type { SendOptions, SendFileOptions } from './send';
export type { Recovered } from './recover';
export { QueueError } from './errors';
export type { QueueErrorCode } from './errors';
export { newJobId, sentAtOf, isUuid } from './jobId';
export { parseJobName, dataJobName, fileJobName, MAX_BASENAME_BYTES } from './jobName';
export { EXTRA_DIR, Layout } from './layout';
