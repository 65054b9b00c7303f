import { QueueError } from './errors';

/**
 * The original's bit flags for finished states: the one table of state <-> bit. The API
 * takes state names; these numbers are still accepted where the original took them.
 */
export const KeepPolicy = {
  NONE: 0,
  SUCCESS: 1,
  FAILED: 2,
  INTERRUPTED: 4,
  ALL: 7,
} as const;

/** What a handler answers. */
export const Result = {
  SUCCESS: 'SUCCESS',
  FAILED: 'FAILED',
  RETRY: 'RETRY',
} as const;
export type Result = (typeof Result)[keyof typeof Result];

const RESULTS: readonly unknown[] = Object.values(Result);

/** Whether a handler's answer (or its `result` field) is one of the results. */
export function isResult(x: unknown): x is Result {
  return RESULTS.includes(x);
}

/** The states a job can be found in, in the order jobs move through them. */
export const LISTABLE_STATES = ['SCHEDULED', 'QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'INTERRUPTED'] as const;
export type ListableState = (typeof LISTABLE_STATES)[number];
/** A job's state as status() answers it: UNKNOWN for a job in no folder. */
export type JobState = 'UNKNOWN' | ListableState;

/** The states a handled job ends in: what a keep policy keeps, what cleanup deletes and requeueAll takes. */
export const FINISHED_STATES = ['SUCCESS', 'FAILED', 'INTERRUPTED'] as const satisfies readonly ListableState[];
export type FinishedState = (typeof FINISHED_STATES)[number];

/** Whether a state (or any string) is a finished state. */
export function isFinished(state: string): state is FinishedState {
  return (FINISHED_STATES as readonly string[]).includes(state);
}

/** Finished states by name, or (for compatibility with the original) as KeepPolicy bit flags. */
export type FinishedStates = readonly FinishedState[] | number;

/** The names of `which`, checked: a bad name or number is a QueueError BAD_OPTION naming `option` and the value. */
export function finishedStates(which: FinishedStates, option: string): FinishedState[] {
  if (typeof which === 'number') {
    if (!Number.isInteger(which) || which < KeepPolicy.NONE || which > KeepPolicy.ALL)
      throw new QueueError('BAD_OPTION', `${option} takes state names (${FINISHED_STATES.join(', ')}) or KeepPolicy flags 0 to 7; not ${which}`);
    return FINISHED_STATES.filter((s) => which & KeepPolicy[s]);
  }
  if (!Array.isArray(which))
    throw new QueueError('BAD_OPTION', `${option} takes an array of state names (${FINISHED_STATES.join(', ')}); not ${JSON.stringify(which)}`);
  for (const s of which as readonly unknown[]) {
    if (typeof s !== 'string' || !isFinished(s))
      throw new QueueError('BAD_OPTION', `${option} takes the finished states ${FINISHED_STATES.join(', ')}; not ${JSON.stringify(s)}`);
  }
  return FINISHED_STATES.filter((s) => which.includes(s));
}

/** The KeepPolicy bits of finished states. */
export function keepBits(states: readonly FinishedState[]): number {
  return states.reduce<number>((bits, s) => bits | KeepPolicy[s], KeepPolicy.NONE);
}

export interface RetryPolicy {
  /** Delay before the first retry, in ms; 0 sends a RETRY straight back to queued/ as the original does. */
  retryDelay: number;
  /** 'exponential' doubles the delay on each attempt, up to maxRetryDelay. */
  retryBackoff: 'fixed' | 'exponential';
  maxRetryDelay: number;
  /** Runs after which a RETRY becomes FAILED; 0 = never give up (the original's behaviour). */
  maxAttempts: number;
}

export function retryDelayFor(policy: RetryPolicy, attempts: number): number {
  if (policy.retryDelay <= 0) return 0;
  if (policy.retryBackoff === 'fixed') return policy.retryDelay;
  return Math.min(policy.maxRetryDelay, policy.retryDelay * 2 ** Math.max(0, attempts - 1));
}
