/**
 * The JSON-RPC messages between the VS Code client and the background worker,
 * declared once and imported by both sides (as vscode-eslint's customMessages.ts).
 * Wire types only: the client never reads a queue's files, it asks with these.
 *
 * Requests that take an object are declared `byName`: the object travels as it is, and
 * params sent by position (an array) are refused by vscode-jsonrpc with InvalidParams
 * before they reach a handler, so a handler never sees a misread argument list.
 */
import { NotificationType, ParameterStructures, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { PayloadPreview, WireAttempt, WireJobFilter, WireSortKey } from './jobMessages';
import type { WireProgress } from './liveOperations';

export * from './jobMessages';
export * from './liveOperations';

/**
 * The states as the wire names them, in the order a job travels (waiting, running, done:
 * the Jobs tree shows them so). The core's LISTABLE_STATES is the same list; the wire
 * does not import the core; the worker, which imports both, checks they name the same states.
 */
export const JOB_STATES = ['SCHEDULED', 'QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'INTERRUPTED'] as const;
export type WireJobState = (typeof JOB_STATES)[number];
export type WireCounts = Record<WireJobState, number>;

/** The states a handled job ends in: what a keep policy names, what cleanup takes. */
export const FINISHED_STATES = ['SUCCESS', 'FAILED', 'INTERRUPTED'] as const satisfies readonly WireJobState[];
export type WireFinishedState = (typeof FINISHED_STATES)[number];

/**
 * Why the queue core refused, as a program can branch on it (the core's QueueErrorCode; the
 * worker fails to compile if the two lists differ). The client words its messages from it.
 */
export const WIRE_ERROR_CODES = [
  'NOT_A_DIRECTORY',
  'NOT_A_QUEUE',
  'FILE_NOT_FOUND',
  'NOT_A_FILE',
  'UNREADABLE',
  'NAME_TOO_LONG',
  'BAD_NAME',
  'NOT_KEPT',
  'NO_SPACE',
  'NO_ACCESS',
  'NOT_FOUND',
  'BUSY',
  'AMBIGUOUS',
  'BAD_OPTION',
  'OWNER_LOST',
  'UNREACHABLE',
  'IO',
] as const;
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];

/** One item of a request that failed while the rest went ahead: the item as sent, and why. */
export interface ItemError {
  item: string;
  message: string;
  /** When the queue core refused the item (absent for other failures). */
  code?: WireErrorCode;
}

export interface QueueSummary {
  /** Absolute path of the queue folder: the key every other message uses. */
  path: string;
  /** Counts per state; absent when the queue is in error. */
  counts?: WireCounts;
  /** Why the queue cannot be read (vanished, unreadable, not a directory). */
  error?: string;
  /** With `error`: what kind of trouble (NOT_A_DIRECTORY, NOT_A_QUEUE, NO_ACCESS, IO, ...). */
  errorCode?: WireErrorCode;
  /** False when the worker fell back to polling this queue. */
  watching: boolean;
  /** Since when the queue is paused (ms since epoch); absent when it is not. */
  paused?: number;
  /** Live consumers (see ConsumersRequest); absent when unknown. */
  consumers?: number;
  /** When a running job last reported progress (a change stamp): the view refetches running jobs when it moves. */
  progress?: number;
}

export interface WireJob {
  id: string;
  name: string;
  state: WireJobState;
  kind: 'data' | 'file';
  originalName?: string;
  path: string;
  size?: number;
  sentAt?: number;
  dueAt?: number;
  owner?: string;
  ownerPid?: number;
  /** Token owners (lock mode, shared queues): the owner's host, lease (ms) and heartbeat age (ms, by the owner file's mtime). */
  ownerHost?: string;
  leaseMs?: number;
  heartbeatAgeMs?: number;
  attempts: number;
  reason?: string;
  progress?: WireProgress;
}

export interface WireJobDetails extends WireJob {
  record?: {
    attempts: number;
    lastResult?: 'FAILED' | 'RETRY' | 'INTERRUPTED';
    reason?: string;
    exitCode?: number | null;
    signal?: string | null;
    output?: string;
    updatedAt: number;
    /** Every run kept, oldest first (the last is the one the fields above describe). */
    history?: WireAttempt[];
  };
  /** With JobParams.preview: the payload's head. */
  preview?: PayloadPreview;
}

export interface WireJobPage {
  state: WireJobState;
  /** Jobs of the state that match the filter (all of them without one). */
  total: number;
  offset: number;
  jobs: WireJob[];
  /** With a filter: every job of the state. */
  unfiltered?: number;
  /** With `around`: that job's place in the whole ordered list, -1 when it is not in it. */
  index?: number;
}

export interface WorkerSettings {
  /** Absolute queue folder paths (the client resolves workspace-relative ones). */
  queues: string[];
  /** The finished states to keep, for jobs the worker files (recovery): INTERRUPTED, or not. */
  keep: WireFinishedState[];
  /** Seconds between crash-recovery sweeps (at least 1). */
  recoveryInterval: number;
  /**
   * Seconds between stats of every queue's folders, for changes no watch reported (a dropped
   * event, a network file system, `watch: false`); default 1, at least 0.1.
   */
  pollInterval?: number;
  /**
   * Watch the queue folders for changes (default true). False polls them every second:
   * for network file systems, where a watch may succeed yet never hear other hosts' changes.
   */
  watch?: boolean;
  /** Refuse every request that changes a queue (the pacchettino.readOnly setting). */
  readOnly?: boolean;
  /**
   * Seconds another machine's consumer may go without renewing its lease before the
   * worker's sweeps take its jobs (the pacchettino.lease setting); default: the core's.
   */
  lease?: number;
  /** Whether other machines use the queues (pacchettino.shared): absent means detect it from the file system. */
  shared?: boolean;
}

/**
 * Error codes of the worker's replies beside JSON-RPC's own (InvalidParams for bad
 * params, MethodNotFound, InternalError for a bug). In the server-defined range.
 */
export namespace WorkerErrorCodes {
  /** The `queue` is not one of the configured queues: configure it first. */
  export const UnknownQueue = -32001;
  /** The queue is configured but cannot be read now; its QueueSummary.error says why, `data.code` what kind (a WireErrorCode). */
  export const QueueUnavailable = -32002;
  /** The queue core refused the operation; `data.code` holds its QueueErrorCode (NO_SPACE, NO_ACCESS, IO, ...): a WireErrorCode. */
  export const QueueFailed = -32003;
  /** The worker is read-only (pacchettino.readOnly) and the request would change a queue. */
  export const ReadOnly = -32004;
}

export namespace ConfigureRequest {
  export const method = 'pacchettino/configure';
  export const type = new RequestType<WorkerSettings, QueueSummary[], void>(method, ParameterStructures.byName);
}

export namespace QueuesRequest {
  export const method = 'pacchettino/queues';
  export const type = new RequestType0<QueueSummary[], void>(method);
}

export interface JobsParams {
  queue: string;
  state: WireJobState;
  offset?: number;
  limit?: number;
  order?: 'asc' | 'desc';
  filter?: WireJobFilter;
  /** Default 'sent' (the id order). */
  sort?: WireSortKey;
  /** A job id: answer the page (of `limit`) that holds it; `offset` is then ignored. */
  around?: string;
}
export namespace JobsRequest {
  export const method = 'pacchettino/jobs';
  export const type = new RequestType<JobsParams, WireJobPage, void>(method, ParameterStructures.byName);
}

export interface JobParams {
  queue: string;
  id: string;
  /** Also read the head of the payload (WireJobDetails.preview). */
  preview?: boolean;
}
export namespace JobRequest {
  export const method = 'pacchettino/job';
  export const type = new RequestType<JobParams, WireJobDetails | null, void>(method, ParameterStructures.byName);
}

/**
 * The files are copied one after another off the worker's request loop (other requests are
 * answered meanwhile). Cancelling the request ($/cancelRequest) stops the copy in hand: that
 * file and the ones after it are not queued, and the reply says `cancelled`.
 */
export interface EnqueueFilesParams {
  queue: string;
  files: string[];
  move?: boolean;
  delayMs?: number;
  /** Chosen by the client: EnqueueProgressNotifications about this request carry it. */
  progressToken?: string;
}
export interface EnqueueResult {
  ids: string[];
  errors: ItemError[];
  /** The request was cancelled before every file was queued (`ids` are those that were). */
  cancelled?: boolean;
}
export namespace EnqueueFilesRequest {
  export const method = 'pacchettino/enqueueFiles';
  export const type = new RequestType<EnqueueFilesParams, EnqueueResult, void>(method, ParameterStructures.byName);
}

/** How far an enqueueFiles request's copying has come; sent only once it takes a while (see the worker's enqueueFiles.ts). */
export interface EnqueueProgressParams {
  /** The request's EnqueueFilesParams.progressToken. */
  token: string;
  /** The file being copied, as the request named it, and its place among the request's files (0-based). */
  file: string;
  index: number;
  count: number;
  /** Bytes of it copied so far, and its size when the copy began. */
  bytes: number;
  size: number;
}
export namespace EnqueueProgressNotification {
  export const method = 'pacchettino/enqueueProgress';
  export const type = new NotificationType<EnqueueProgressParams>(method);
}

export interface EnqueueDataParams {
  queue: string;
  data: string;
  delayMs?: number;
}
export namespace EnqueueDataRequest {
  export const method = 'pacchettino/enqueueData';
  export const type = new RequestType<EnqueueDataParams, EnqueueResult, void>(method, ParameterStructures.byName);
}

/** Requeue the listed jobs, or every job of `states`. */
export interface RequeueParams {
  queue: string;
  ids?: string[];
  states?: WireJobState[];
}
export interface CountResult {
  count: number;
  errors: ItemError[];
}
export namespace RequeueRequest {
  export const method = 'pacchettino/requeue';
  export const type = new RequestType<RequeueParams, CountResult, void>(method, ParameterStructures.byName);
}

export interface DeleteParams {
  queue: string;
  ids: string[];
}
export namespace DeleteRequest {
  export const method = 'pacchettino/delete';
  export const type = new RequestType<DeleteParams, CountResult, void>(method, ParameterStructures.byName);
}

export interface CleanupParams {
  queue: string;
  states: WireJobState[];
  olderThanMs?: number;
}
export namespace CleanupRequest {
  export const method = 'pacchettino/cleanup';
  export const type = new RequestType<CleanupParams, CountResult, void>(method, ParameterStructures.byName);
}

export interface RecoverParams {
  /** One queue, or every configured queue when absent. */
  queue?: string;
}
export namespace RecoverRequest {
  export const method = 'pacchettino/recover';
  export const type = new RequestType<RecoverParams, { interrupted: number }, void>(method, ParameterStructures.byName);
}

/** Pushed after changes, coalesced: many jobs arriving at once make a handful of these. */
export interface ChangedParams {
  /** The queues that changed (not every configured queue): merge them into what you hold. */
  queues: QueueSummary[];
}
export namespace ChangedNotification {
  export const method = 'pacchettino/changed';
  export const type = new NotificationType<ChangedParams>(method);
}
