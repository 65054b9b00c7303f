/** Which finished jobs are kept, as the original's bit flags. */
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

/** The states a job can be found in, in the order jobs move through them. */
export const LISTABLE_STATES = ['SCHEDULED', 'QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'INTERRUPTED'] as const;
export type ListableState = (typeof LISTABLE_STATES)[number];
/** A job's state as status() answers it: UNKNOWN for a job in no folder. */
export type JobState = 'UNKNOWN' | ListableState;

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
