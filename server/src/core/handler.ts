import * as fs from 'node:fs';
import type { ClaimedJob } from './claim';
import { errnoOf } from './errors';
import { fsPath } from './fsName';
import type { FailureDetail } from './jobRecord';
import type { Outcome } from './finish';
import { isResult, type Result } from './policy';

interface JobBase {
  /** The bare uuid, as send returned it. */
  id: string;
  /** The job name in the state folders (`raw-<id>`, `fle-<id>-<name>`); the original calls this the id. */
  name: string;
  /**
   * Where the payload is while the handler runs. A name that is not valid UTF-8 keeps its
   * bytes here as lone surrogates (see fsName.ts): pass `fsPath(job.path)` to fs to reach it.
   */
  path: string;
  /** 1 on the first run, counting retries and interruptions. */
  readonly attempt: number;
  /**
   * Reports how far the job is (0–100, or undefined) and a short message, shown live in
   * VS Code and by `pacchettino status`. Cheap enough to call a few times a second.
   */
  progress(percent: number | undefined, message?: string): void;
  /** Where a process the handler starts may write `<percent> <message>` lines instead (see progress.ts). */
  readonly progressFile: string;
}
export interface DataJob extends JobBase {
  kind: 'data';
  /** The bytes sent; read from disk when first asked for, so handlers that stream `path` never hold them. */
  readonly data: Buffer;
}
export interface FileJob extends JobBase {
  kind: 'file';
  originalName: string;
}
export type Job = DataJob | FileJob;

/** A handler answers a Result, or a Result with the details kept beside a failed job. */
export type HandlerAnswer = Result | ({ result: Result } & FailureDetail);
export type Handler<J extends Job> = (job: J) => HandlerAnswer | Promise<HandlerAnswer>;

export interface Handlers {
  onData?: Handler<DataJob>;
  onFile?: Handler<FileJob>;
  /** Used for either kind when the specific handler is not set. */
  onJob?: Handler<Job>;
}

/**
 * The claimed payload, opened for the handler: what a handler gets must be the regular file
 * that was claimed. The listing's entry type cannot say so (a link or a FIFO may be swapped
 * in between the listing and the claim's rename), so the payload is opened without following
 * a link (O_NOFOLLOW), without blocking on a FIFO (O_NONBLOCK), and fstat'ed. A data job's
 * bytes are read from this very descriptor.
 */
export function openPayload(payload: string): { fd: number } | { reason: string } {
  let fd: number;
  try {
    fd = fs.openSync(fsPath(payload), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (err) {
    if (errnoOf(err) === 'ELOOP') return { reason: NOT_REGULAR };
    return { reason: `cannot open the payload: ${(err as Error).message}` };
  }
  try {
    if (fs.fstatSync(fd).isFile()) return { fd };
  } catch {
    /* judged below */
  }
  fs.closeSync(fd);
  return { reason: NOT_REGULAR };
}

const NOT_REGULAR = 'not a regular file (a link, folder or FIFO put in queued/ by hand?)';

/**
 * How a job reaches its progress file; the consumer removes the file after the job only if one was asked for.
 * Function properties, not methods: `report` is handed to the job detached (as job.progress).
 */
export interface ProgressHooks {
  report: (percent: number | undefined, message?: string) => void;
  file: () => string;
}

/** `payloadFd`: the descriptor openPayload gave, which a data job's bytes are read from. */
export function makeJob(claimed: ClaimedJob, attempts: () => number, progress: ProgressHooks, payloadFd?: number): Job {
  const { job, payload } = claimed;
  let attempt: number | undefined;
  // Plain literals with getters (not defineProperties over a shared base): the same own,
  // enumerable properties, without the dictionary-mode objects that cost every job a few µs.
  if (job.kind === 'file') {
    return {
      kind: 'file',
      originalName: job.basename!,
      id: job.id,
      name: job.name,
      path: payload,
      get attempt() {
        return (attempt ??= attempts() + 1);
      },
      progress: progress.report,
      get progressFile() {
        return progress.file();
      },
    };
  }
  let data: Buffer | undefined;
  return {
    kind: 'data',
    get data() {
      return (data ??= fs.readFileSync(payloadFd ?? fsPath(payload)));
    },
    id: job.id,
    name: job.name,
    path: payload,
    get attempt() {
      return (attempt ??= attempts() + 1);
    },
    progress: progress.report,
    get progressFile() {
      return progress.file();
    },
  };
}

/**
 * What a handler throws when it could not start the job at all (no process could be
 * spawned for it: out of file descriptors or processes, say). The job did not run, so it
 * goes back to queued/ as it was, with no attempt counted, rather than to failed/.
 */
export class JobNotStarted extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobNotStarted';
  }
}

/**
 * Runs the handler and turns whatever happens into an Outcome: a throw or a rejected
 * promise is FAILED with the error's text (JobNotStarted: not run at all); no handler is
 * FAILED, as in the original.
 */
export async function callHandler(handlers: Handlers, job: Job): Promise<Outcome> {
  const fn = (job.kind === 'data' ? handlers.onData : handlers.onFile) ?? handlers.onJob;
  if (!fn) return { result: 'FAILED', reason: `no handler for ${job.kind} jobs` };
  try {
    const answer = await (fn as Handler<Job>)(job);
    return normalize(answer);
  } catch (err) {
    if (err instanceof JobNotStarted) return { result: 'RETRY', reason: err.message, notStarted: true };
    return { result: 'FAILED', reason: err instanceof Error ? err.message || err.name : String(err) };
  }
}

function normalize(answer: HandlerAnswer): Outcome {
  const detail = typeof answer === 'string' ? { result: answer } : answer;
  if (detail && isResult(detail.result)) return detail;
  return { result: 'FAILED', reason: `handler returned ${JSON.stringify(answer)}, not SUCCESS, FAILED or RETRY` };
}
