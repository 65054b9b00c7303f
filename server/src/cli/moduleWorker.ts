// The worker thread of `consume --module <file>`: loads the module once, then runs its
// exported function for each job the main thread posts, and posts the answer back. It
// runs from the CLI's own entry (main.ts hands a thread with this workerData here).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { inspect } from 'node:util';
import { checkPercent, fsPath, isResult, type Result } from '../core';
import { thrownText } from './output';

export interface ModuleWorkerData {
  pacchettinoModule: string;
}

/** What the main thread posts: one job, as the thread's function gets it (less its methods). */
export interface JobMessage {
  type: 'job';
  job: { id: string; name: string; kind: 'data' | 'file'; attempt: number; path: string; originalName?: string; progressFile: string };
}

/**
 * What the thread posts back. A job's messages carry its id: one that does not name the job
 * in hand is never taken for its answer (a function still running after its job was settled).
 * An answer is only what the main thread files (a result and a reason), never the value the
 * function returned, which may hold what cannot be posted (a function, the job itself).
 */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'unusable'; message: string }
  | { type: 'progress'; id: string; percent?: number; message?: string }
  | { type: 'output'; stream: 'stdout' | 'stderr'; chunk: Uint8Array }
  | { type: 'answer'; id: string; result: Result; reason?: string }
  /** It returned something else: `value` says what, for the reason. */
  | { type: 'returned'; id: string; value: string }
  | { type: 'threw'; id: string; message: string; stack?: string };

/** The function's return value as the core takes it (a Result, or { result, reason }), or what it was instead. */
function answerMessage(id: string, value: unknown): WorkerMessage {
  if (isResult(value)) return { type: 'answer', id, result: value };
  if (typeof value === 'object' && value !== null && isResult((value as { result?: unknown }).result)) {
    const { result, reason } = value as { result: Result; reason?: unknown };
    return { type: 'answer', id, result, reason: typeof reason === 'string' ? reason : undefined };
  }
  return { type: 'returned', id, value: typeof value === 'string' ? JSON.stringify(value) : inspect(value, { depth: 1, breakLength: Infinity }) };
}

function threwMessage(id: string, err: unknown): WorkerMessage {
  return { type: 'threw', id, message: thrownText(err), stack: err instanceof Error ? err.stack : undefined };
}

export function isModuleWorker(data: unknown): data is ModuleWorkerData {
  return typeof data === 'object' && data !== null && typeof (data as ModuleWorkerData).pacchettinoModule === 'string';
}

type JobFunction = (job: unknown) => unknown;

/** The module's function: its default export (module.exports = fn), or a function exported as `handler`. */
async function loadFunction(file: string): Promise<JobFunction | string> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
  } catch (err) {
    return `cannot load ${file}: ${(err as Error).message}`;
  }
  const def = mod.default as Record<string, unknown> | JobFunction | undefined;
  if (typeof def === 'function') return def;
  if (typeof mod.handler === 'function') return mod.handler as JobFunction;
  if (def && typeof def.handler === 'function') return def.handler as JobFunction;
  return `${file} exports no function: export one (module.exports = async (job) => 'SUCCESS', or export default), or one named handler`;
}

/**
 * A thread's own stdout and stderr reach the main thread through ports of their own, so what
 * it printed just before answering could come after the answer, and miss the job's record.
 * Its writes are posted on the answers' port instead: in order with them.
 */
function outputThroughPort(post: (m: WorkerMessage) => void): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    stream.write = (chunk: string | Uint8Array, encoding?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk;
      post({ type: 'output', stream: name, chunk: bytes });
      (typeof encoding === 'function' ? encoding : cb)?.();
      return true;
    };
  }
}

export async function runModuleWorker(): Promise<void> {
  const port = parentPort!;
  const post = (m: WorkerMessage) => port.postMessage(m);
  outputThroughPort(post);
  const fn = await loadFunction((workerData as ModuleWorkerData).pacchettinoModule);
  if (typeof fn === 'string') return post({ type: 'unusable', message: fn });
  port.on('message', (m: JobMessage) => {
    const { job } = m;
    let data: Buffer | undefined;
    const arg = {
      ...job,
      // A bad percent is the function's mistake, thrown at its call as the library does.
      progress: (percent?: number, message?: string) => {
        checkPercent(percent);
        post({ type: 'progress', id: job.id, percent, message: message === undefined ? undefined : String(message) });
      },
      get data() {
        return (data ??= fs.readFileSync(fsPath(job.path)));
      },
    };
    Promise.resolve()
      .then(() => fn(arg))
      .then(
        (answer) => post(answerMessage(job.id, answer)),
        (err: unknown) => post(threwMessage(job.id, err)),
      )
      // Reading the answer threw (a getter, a proxy): the job FAILED with why, the thread lives on.
      .catch((err: unknown) => post(threwMessage(job.id, err)));
  });
  post({ type: 'ready' });
}
