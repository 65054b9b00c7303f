import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { childExecArgv, hrms } from '../child';
import { DATA_BYTES } from '../send';

/**
 * What the driver asks of every system, ours and the peers alike: each step runs in a fresh
 * process (Node or Python) that takes one JSON argument and answers on stdout with a
 * `READY` line (a consumer that waits) and one `BENCH_RESULT <json>` line, as ../child.ts.
 */
export type Op =
  | { op: 'send'; n: number; bulk: boolean; durable: boolean }
  | { op: 'fill'; n: number }
  | { op: 'drain'; n: number; durable: boolean; concurrency: number }
  /** a latency consumer gives up (exits with an error) after `deadlineMs`: its producer may have died */
  | { op: 'consumer'; n: number; deadlineMs: number }
  | { op: 'producer'; n: number; intervalMs: number };

/** Where a system's queue lives: a folder (ours, dirq), a database file in it (plainjob), a Redis port (BullMQ). */
export interface Place {
  dir: string;
  port?: number;
  /** the queue's name where the system has one (BullMQ) */
  name: string;
  /** payload bytes (the Node steps' payload() pads to the same) */
  bytes: number;
}

export type Args = Op & Place;

export interface Sent {
  seconds: number;
  /** jobs the system holds afterwards, as it counts them */
  queued: number;
}
export interface Drained {
  seconds: number;
  /** the timed part's start and end on the monotonic clock, in ms (several processes drain one queue: the span of all) */
  from: number;
  to: number;
  /** times each job index was handled: every entry must be 1 */
  seen: number[];
  /** jobs the system still holds as waiting or running afterwards */
  left: number;
}
export interface Latencies {
  ms: number[];
}

/** Bulk sends go in chunks of this many jobs (BullMQ's addBulk, plainjob's addMany: one transaction each). */
export const BULK_CHUNK = 1_000;

/** A job's payload: its index, padded to DATA_BYTES as our send figures' payloads. */
export const payload = (i: number): string => String(i).padEnd(DATA_BYTES, ' ');
/** The payloads of jobs 0 … n-1 in bulk-sized chunks. */
export function* payloadChunks(n: number): Generator<string[]> {
  for (let i = 0; i < n; i += BULK_CHUNK) yield Array.from({ length: Math.min(BULK_CHUNK, n - i) }, (_, k) => payload(i + k));
}
/**
 * A send or fill step's timed part: one job at a time, or in bulk chunks (a fill always);
 * a synchronous sender (plainjob) is not awaited, so it pays no promise per job.
 */
export async function timedSend(a: Args & { op: 'send' | 'fill' }, one: (data: string) => unknown, chunk: (data: string[]) => unknown): Promise<number> {
  const t0 = hrms();
  if (a.op === 'fill' || a.bulk)
    for (const c of payloadChunks(a.n)) {
      const r = chunk(c);
      if (r instanceof Promise) await r;
    }
  else
    for (let i = 0; i < a.n; i++) {
      const r = one(payload(i));
      if (r instanceof Promise) await r;
    }
  return (hrms() - t0) / 1000;
}

export const indexOf = (data: string | Buffer): number => Number.parseInt(data.toString(), 10);

/** Every index in [0, n) handled exactly once, and nothing left behind. */
export function handledOnce(d: Drained, n: number): boolean {
  return d.seen.length === n && d.seen.every((c) => c === 1) && d.left === 0;
}

const RESULT = 'BENCH_RESULT ';
const STEP_LIMIT_MS = 5 * 60_000;

export interface Running<T> {
  ready: Promise<void>;
  result: Promise<T>;
}

/** Starts one step: `argv` is the program and its leading arguments; the step's JSON goes last. */
export function start<T>(argv: string[], args: Args): Running<T> {
  const child = spawn(argv[0], [...argv.slice(1), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const result = new Promise<T>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (/^READY$/m.test(out)) onReady();
    });
    child.on('error', reject);
    // No step takes minutes here: one that does is stuck (a peer's server gone, a job never coming), not slow.
    const stuck = setTimeout(() => child.kill('SIGKILL'), STEP_LIMIT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(stuck);
      const line = out.split('\n').find((l) => l.startsWith(RESULT));
      if (code !== 0 || !line) return reject(new Error(`${argv.join(' ')} ${args.op} exited ${code ?? signal}: ${out.slice(-2000)}`));
      resolve(JSON.parse(line.slice(RESULT.length)) as T);
    });
  });
  result.catch(() => onReady()); // a child that dies before READY must not leave the driver waiting on it
  return { ready, result };
}

/** The argv of a Node step: a compiled module of this folder, with the bench's node flags. */
export const nodeStep = (module: string): string[] => [process.execPath, ...childExecArgv(), path.join(__dirname, `${module}.js`)];

/** One system as the driver sees it: a name for the table and the program of its steps. */
export interface System {
  key: string;
  label: string;
  argv: string[];
  /** why it has no counterpart for an op, if it has none (the table shows the reason) */
  lacks?: (op: Op) => string | undefined;
}

/** A consumer that waits, then a producer that sends one job per interval; the consumer's handler times each. */
export async function latency(system: System, place: Place, n: number, intervalMs: number): Promise<number[]> {
  const consumer = start<Latencies>(system.argv, { op: 'consumer', n, deadlineMs: n * intervalMs + 30_000, ...place });
  await consumer.ready;
  const producer = start<Sent>(system.argv, { op: 'producer', n, intervalMs, ...place });
  const [{ ms }] = await Promise.all([consumer.result, producer.result]);
  return ms;
}

/** In a Node consumer step: exit with an error at the deadline (the timer does not keep the process alive). */
export function exitAtDeadline(deadlineMs: number): void {
  setTimeout(() => {
    process.stderr.write(`latency consumer: not every job came within ${deadlineMs} ms\n`);
    process.exit(1);
  }, deadlineMs).unref();
}

/** The monotonic clock (CLOCK_MONOTONIC, one for every process of the machine: Python's time.monotonic_ns too), in ns. */
export const nowNs = (): bigint => process.hrtime.bigint();

/** A logger that says nothing, for the peers that log every job by default. */
export const silent = { error() {}, warn() {}, info() {}, debug() {} };
