import { QueueError } from './errors';
import type { QueueOptions } from './queue';

/**
 * The allowed range of every number a caller hands the queue: the one home for each
 * bound. The library checks its options and send delays here, the CLI its flags (naming
 * the flag), the worker its request params, and a test holds package.json's task
 * definition to the same minimum and maximum.
 */
export interface Bound {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only (counts); durations may be fractional ms. */
  readonly integer: boolean;
  /** How the maximum reads to a person, when it is a duration. */
  readonly maxText?: string;
}

/**
 * setTimeout's limit: Node fires a longer timer after 1 ms, so a timeout past it would
 * kill a handler at once and a poll past it would spin.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Ten years: due times stay far inside what Date (and so `ls`) and a scheduled/ name's digits can carry. */
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

const duration = (min: number, max: number, maxText: string): Bound => ({ min, max, integer: false, maxText });
const count = (min: number, max: number): Bound => ({ min, max, integer: true });

export const BOUNDS = {
  /** sendData/sendFile `delay`; CLI `--delay`; the worker's `delayMs`. */
  delayMs: duration(0, TEN_YEARS_MS, '10 years'),
  /** `retryDelay` and `maxRetryDelay`; CLI `--retry-delay`. A retry is a delayed send. */
  retryDelayMs: duration(0, TEN_YEARS_MS, '10 years'),
  /** cleanup's `olderThan`; CLI `--older-than`; the worker's `olderThanMs`. */
  ageMs: duration(0, TEN_YEARS_MS, '10 years'),
  /** CLI `--timeout` (0: none); the task definition's `timeout`, in seconds. A timer. */
  handlerTimeoutMs: duration(0, MAX_TIMER_MS, '24.8 days'),
  /** `pollInterval`: a timer. */
  pollIntervalMs: duration(1, MAX_TIMER_MS, '24.8 days'),
  /** `recoveryInterval`: compared with a clock, never a timer, but no use past a timer's range. */
  recoveryIntervalMs: duration(0, MAX_TIMER_MS, '24.8 days'),
  /** CLI `--concurrency`; the task definition's `concurrency`. Each is a handler process and ~6 descriptors. */
  concurrency: count(1, 1024),
  /** `lease` (ms); CLI `--lease`; the worker's and the task definition's `lease`, in seconds. Heartbeats are timers of a third of it. */
  leaseMs: duration(300, 24 * 3600_000, '1 day'),
  /** `remotePollInterval`: a timer. */
  remotePollIntervalMs: duration(1, MAX_TIMER_MS, '24.8 days'),
  /** `maxAttempts` (0: never give up); CLI `--max-attempts`. */
  maxAttempts: count(0, 1_000_000),
} as const satisfies Record<string, Bound>;

/** "a whole number from 1 to 1024", "0 ms or more, at most 10 years (315360000000 ms)". */
export function describeBound(b: Bound): string {
  if (b.integer) return b.max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${b.min}` : `a whole number from ${b.min} to ${b.max}`;
  return `a duration of ${b.min} ms or more, at most ${b.maxText ?? `${b.max} ms`} (${b.max} ms)`;
}

/** Whether `value` is a number inside `b`. */
export function inBound(value: unknown, b: Bound): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= b.min && value <= b.max && (!b.integer || Number.isInteger(value));
}

/** Returns `value` if it is inside `b`, or throws QueueError BAD_OPTION naming `name` (an option, or a flag) and the range. */
export function checkBound(name: string, value: unknown, b: Bound): number {
  if (inBound(value, b)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new QueueError('BAD_OPTION', `${name} must be ${describeBound(b)}, not ${shown}`);
}

/** The queue's numeric and named options, checked before anything is made on disk: a bad one is a QueueError BAD_OPTION naming it (`keep` is policy.ts's finishedStates). */
export function checkQueueOptions(o: QueueOptions): void {
  const ranges: [keyof QueueOptions, Bound][] = [
    ['retryDelay', BOUNDS.retryDelayMs],
    ['maxRetryDelay', BOUNDS.retryDelayMs],
    ['maxAttempts', BOUNDS.maxAttempts],
    ['pollInterval', BOUNDS.pollIntervalMs],
    ['recoveryInterval', BOUNDS.recoveryIntervalMs],
    ['lease', BOUNDS.leaseMs],
    ['remotePollInterval', BOUNDS.remotePollIntervalMs],
  ];
  for (const [key, b] of ranges) if (o[key] !== undefined) checkBound(key, o[key], b);
  const choices: [keyof QueueOptions, readonly string[]][] = [
    ['crashDetection', ['pid', 'lock']],
    ['retryBackoff', ['exponential', 'fixed']],
  ];
  for (const [key, allowed] of choices) {
    const v = o[key];
    if (v !== undefined && !allowed.includes(v as string)) {
      throw new QueueError('BAD_OPTION', `${key} must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}, not ${JSON.stringify(v)}`);
    }
  }
}
