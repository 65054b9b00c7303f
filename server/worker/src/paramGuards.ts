import * as path from 'node:path';
import { BOUNDS } from 'pacchettino';
import { CancellationToken, ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import {
  FINISHED_STATES,
  JOB_STATES,
  type CleanupParams,
  type DeleteParams,
  type EnqueueDataParams,
  type EnqueueFilesParams,
  type JobParams,
  type JobsParams,
  type RecoverParams,
  type RequeueParams,
  type WireJobState,
  type WorkerSettings,
  SORT_KEYS,
  type DiscoverQueuesParams,
  type FolderContentsParams,
  type FindJobParams,
  type MatchingIdsParams,
  type PromoteParams,
  type WireJobFilter,
  type WireSortKey,
} from '@pacchettino/shared';

/**
 * Type guards for every request's params. The client is ours, but the worker must
 * survive anything that arrives on the wire: each guard returns the params typed or
 * throws a ResponseError(InvalidParams) naming the field, so nothing malformed reaches
 * the queue core. Unknown extra fields are ignored (a newer client may send more).
 */

/** Limits that keep one request from costing the worker more than its worth. Delays and ages are the core's BOUNDS. */
export const LIMITS = {
  /** PATH_MAX on Linux. */
  pathChars: 4096,
  /** A job name is at most `fle-` + uuid + `-` + 200 bytes of basename. */
  idChars: 300,
  /** Ids or files in one request. */
  items: 10_000,
  /** Configured queues. */
  queues: 256,
  /** One data job sent from the editor (UTF-8 bytes). */
  dataBytes: 8 * 1024 * 1024,
  /** One page of jobs. */
  pageSize: 1000,
  offset: 1_000_000_000,
  /** A day, for the recovery and poll intervals in seconds. */
  recoverySeconds: 24 * 3600,
} as const;

export type Fields = Record<string, unknown>;

export function fail(method: string, message: string): never {
  throw new ResponseError(ErrorCodes.InvalidParams, `${method}: ${message}`);
}

function show(v: unknown): string {
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : typeof v;
}

export function fieldsOf(method: string, params: unknown): Fields {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) fail(method, `params must be an object, got ${show(params)}`);
  return params as Fields;
}

export function int(method: string, o: Fields, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(method, `\`${key}\` must be an integer, got ${show(v)}`);
  if (v < min || v > max) fail(method, `\`${key}\` must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function bool(method: string, o: Fields, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(method, `\`${key}\` must be true or false, got ${show(v)}`);
  return v;
}

function array(method: string, o: Fields, key: string, maxItems: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(method, `\`${key}\` must be an array, got ${show(v)}`);
  if (v.length > maxItems) fail(method, `\`${key}\` has ${v.length} items; at most ${maxItems} are accepted in one request`);
  return v;
}

/** Paths come from the client's resolved settings or pickers; the worker's own cwd means nothing to it. */
function absolutePath(method: string, key: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) fail(method, `\`${key}\` must be a non-empty string, got ${show(v)}`);
  if (v.length > LIMITS.pathChars) fail(method, `\`${key}\` is ${v.length} characters; paths are at most ${LIMITS.pathChars}`);
  if (v.includes('\0')) fail(method, `\`${key}\` contains a NUL character`);
  if (!path.isAbsolute(v)) fail(method, `\`${key}\` must be an absolute path, got ${show(v)}`);
  return v;
}

export function queueField(method: string, o: Fields): string {
  return absolutePath(method, 'queue', o.queue);
}

/** The core accepts a bare uuid, a uuid prefix or a job name; none of them holds a '/' or a NUL. */
export function jobId(method: string, key: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) fail(method, `\`${key}\` must be a non-empty string, got ${show(v)}`);
  if (v.length > LIMITS.idChars) fail(method, `\`${key}\` is ${v.length} characters; a job id or name is at most ${LIMITS.idChars}`);
  if (v.includes('/') || v.includes('\0')) fail(method, `\`${key}\` is not a job id or job name: ${show(v)}`);
  return v;
}

function state<S extends WireJobState>(method: string, key: string, v: unknown, states: readonly S[]): S {
  if (typeof v !== 'string' || !(states as readonly string[]).includes(v)) fail(method, `\`${key}\` must be one of ${states.join(', ')}, got ${show(v)}`);
  return v as S;
}

function stateList<S extends WireJobState>(method: string, o: Fields, key: string, states: readonly S[]): S[] {
  const list = array(method, o, key, states.length * 2).map((v, i) => state(method, `${key}[${i}]`, v, states));
  return [...new Set(list)];
}

// ---- one guard per request ------------------------------------------------------

/**
 * QueuesRequest has no params (a RequestType0): sent as it is declared, the handler's first
 * argument is the cancellation token. vscode-jsonrpc still calls the handler with whatever a
 * caller did send, so anything but the token is refused here; null is what clients of the
 * older `RequestType<void>` declaration send, and means nothing.
 */
export function noParams(method: string, params: unknown): void {
  if (params === undefined || params === null || CancellationToken.is(params)) return;
  fail(method, `takes no params, got ${show(params)}`);
}

export function configureParams(method: string, params: unknown): WorkerSettings {
  const o = fieldsOf(method, params);
  const queues = array(method, o, 'queues', LIMITS.queues).map((v, i) => absolutePath(method, `queues[${i}]`, v));
  if (o.keep === undefined) fail(method, `\`keep\` is missing (the finished states to keep: any of ${FINISHED_STATES.join(', ')})`);
  const keep = stateList(method, o, 'keep', FINISHED_STATES);
  const recoveryInterval = o.recoveryInterval;
  if (typeof recoveryInterval !== 'number' || !Number.isFinite(recoveryInterval))
    fail(method, `\`recoveryInterval\` must be a number of seconds, got ${show(recoveryInterval)}`);
  if (recoveryInterval < 1 || recoveryInterval > LIMITS.recoverySeconds)
    fail(method, `\`recoveryInterval\` must be between 1 and ${LIMITS.recoverySeconds} seconds, got ${recoveryInterval}`);
  const pollInterval = o.pollInterval;
  if (pollInterval !== undefined && (typeof pollInterval !== 'number' || !(pollInterval >= 0.1 && pollInterval <= LIMITS.recoverySeconds)))
    fail(method, `\`pollInterval\` must be a number of seconds between 0.1 and ${LIMITS.recoverySeconds}, got ${show(pollInterval)}`);
  const lease = o.lease;
  // The core's bound (BOUNDS.leaseMs), in seconds as the setting has it.
  if (lease !== undefined && (typeof lease !== 'number' || !(lease * 1000 >= BOUNDS.leaseMs.min && lease * 1000 <= BOUNDS.leaseMs.max)))
    fail(method, `\`lease\` must be a number of seconds from ${BOUNDS.leaseMs.min / 1000} to ${BOUNDS.leaseMs.max / 1000}, got ${show(lease)}`);
  return {
    queues,
    keep,
    recoveryInterval,
    pollInterval,
    watch: bool(method, o, 'watch'),
    readOnly: bool(method, o, 'readOnly'),
    lease,
    shared: bool(method, o, 'shared'),
  };
}

export function jobsParams(method: string, params: unknown): JobsParams {
  const o = fieldsOf(method, params);
  const order = o.order;
  if (order !== undefined && order !== 'asc' && order !== 'desc') fail(method, `\`order\` must be "asc" or "desc", got ${show(order)}`);
  return {
    queue: queueField(method, o),
    state: state(method, 'state', o.state, JOB_STATES),
    offset: int(method, o, 'offset', 0, LIMITS.offset),
    limit: int(method, o, 'limit', 0, LIMITS.pageSize),
    order,
    filter: o.filter === undefined ? undefined : jobFilter(method, o.filter),
    sort: sortKey(method, o.sort),
    around: o.around === undefined ? undefined : jobId(method, 'around', o.around),
  };
}

export function jobParams(method: string, params: unknown): JobParams {
  const o = fieldsOf(method, params);
  return { queue: queueField(method, o), id: jobId(method, 'id', o.id), preview: bool(method, o, 'preview') };
}

export function enqueueFilesParams(method: string, params: unknown): EnqueueFilesParams {
  const o = fieldsOf(method, params);
  const queue = queueField(method, o);
  const files = array(method, o, 'files', LIMITS.items).map((v, i) => absolutePath(method, `files[${i}]`, v));
  return {
    queue,
    files,
    move: bool(method, o, 'move'),
    delayMs: int(method, o, 'delayMs', BOUNDS.delayMs.min, BOUNDS.delayMs.max),
    progressToken: text(method, o, 'progressToken', 200),
  };
}

export function enqueueDataParams(method: string, params: unknown): EnqueueDataParams {
  const o = fieldsOf(method, params);
  const queue = queueField(method, o);
  const data = o.data;
  if (typeof data !== 'string') fail(method, `\`data\` must be a string, got ${show(data)}`);
  // Characters first: a cheap bound before counting bytes of a huge string.
  if (data.length > LIMITS.dataBytes || Buffer.byteLength(data) > LIMITS.dataBytes) {
    fail(method, `\`data\` is over ${LIMITS.dataBytes} bytes; send a file instead (enqueueFiles)`);
  }
  return { queue, data, delayMs: int(method, o, 'delayMs', BOUNDS.delayMs.min, BOUNDS.delayMs.max) };
}

export function requeueParams(method: string, params: unknown): RequeueParams {
  const o = fieldsOf(method, params);
  const queue = queueField(method, o);
  const ids = o.ids === undefined ? undefined : array(method, o, 'ids', LIMITS.items).map((v, i) => jobId(method, `ids[${i}]`, v));
  const states = o.states === undefined ? undefined : stateList(method, o, 'states', JOB_STATES);
  if (!ids?.length && !states?.length) fail(method, 'give `ids` or `states` (neither lists anything to requeue)');
  return { queue, ids, states };
}

export function deleteParams(method: string, params: unknown): DeleteParams {
  const o = fieldsOf(method, params);
  const queue = queueField(method, o);
  return { queue, ids: array(method, o, 'ids', LIMITS.items).map((v, i) => jobId(method, `ids[${i}]`, v)) };
}

export function cleanupParams(method: string, params: unknown): CleanupParams {
  const o = fieldsOf(method, params);
  const queue = queueField(method, o);
  return { queue, states: stateList(method, o, 'states', JOB_STATES), olderThanMs: int(method, o, 'olderThanMs', BOUNDS.ageMs.min, BOUNDS.ageMs.max) };
}

export function recoverParams(method: string, params: unknown): RecoverParams {
  const o = fieldsOf(method, params);
  return { queue: o.queue === undefined ? undefined : queueField(method, o) };
}

/** `initializationOptions` may be absent (the client configures later); if present it must be valid settings. */
export function initializationSettings(options: unknown): WorkerSettings | undefined {
  if (options === undefined || options === null) return undefined;
  return configureParams('initialize (initializationOptions)', options);
}

// ---- finding, filtering and bulk actions (jobMessages.ts) -------------------------

function text(method: string, o: Fields, key: string, maxChars: number): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(method, `\`${key}\` must be a string, got ${show(v)}`);
  if (v.length > maxChars) fail(method, `\`${key}\` is ${v.length} characters; at most ${maxChars} are accepted`);
  if (v.includes('\0')) fail(method, `\`${key}\` contains a NUL character`);
  return v;
}

function jobFilter(method: string, v: unknown): WireJobFilter {
  const o = fieldsOf(`${method} (filter)`, v);
  const time = (key: string) => int(`${method} (filter)`, o, key, 0, 2 * BOUNDS.delayMs.max + Date.now());
  return {
    nameContains: text(method, o, 'nameContains', LIMITS.idChars),
    reasonContains: text(method, o, 'reasonContains', LIMITS.idChars),
    sentAfter: time('sentAfter'),
    sentBefore: time('sentBefore'),
    finishedAfter: time('finishedAfter'),
    finishedBefore: time('finishedBefore'),
  };
}

function sortKey(method: string, v: unknown): WireSortKey | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(SORT_KEYS as readonly string[]).includes(v)) fail(method, `\`sort\` must be one of ${SORT_KEYS.join(', ')}, got ${show(v)}`);
  return v as WireSortKey;
}

export function findJobParams(method: string, params: unknown): FindJobParams {
  const o = fieldsOf(method, params);
  // A pasted path may hold '/': the core's resolver reads it; only its length is bounded here.
  const t = text(method, o, 'text', LIMITS.pathChars);
  if (t === undefined || t.trim() === '') fail(method, '`text` must be a job id, id prefix, job name or path');
  return { text: t, queue: o.queue === undefined ? undefined : queueField(method, o) };
}

export function matchingIdsParams(method: string, params: unknown): MatchingIdsParams {
  const o = fieldsOf(method, params);
  return {
    queue: queueField(method, o),
    state: state(method, 'state', o.state, JOB_STATES),
    filter: o.filter === undefined ? undefined : jobFilter(method, o.filter),
  };
}

export function promoteParams(method: string, params: unknown): PromoteParams {
  const o = fieldsOf(method, params);
  const queue = queueField(method, o);
  return { queue, ids: array(method, o, 'ids', LIMITS.items).map((v, i) => jobId(method, `ids[${i}]`, v)) };
}

export function discoverQueuesParams(method: string, params: unknown): DiscoverQueuesParams {
  const o = fieldsOf(method, params);
  return { roots: array(method, o, 'roots', LIMITS.queues).map((v, i) => absolutePath(method, `roots[${i}]`, v)) };
}

export function folderContentsParams(method: string, params: unknown): FolderContentsParams {
  return { path: absolutePath(method, 'path', fieldsOf(method, params).path) };
}
