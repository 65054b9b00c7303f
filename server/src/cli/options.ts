import ms from 'ms';
import { FINISHED_STATES, isFinished, type FinishedState, type QueueOptions } from '../core';
import { UsageError } from './exitCodes';

/** "250" is milliseconds; "10s", "5m", "1h", "2d" as the `ms` package reads them. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : ms(trimmed as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`not a duration: ${JSON.stringify(text)} (use milliseconds, or 10s, 5m, 1h)`);
  }
  return value;
}

export function parseCount(text: string, what: string, min = 1): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new UsageError(`${what} must be a whole number ≥ ${min}, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** "all", "none", or a comma list of success,failed,interrupted. */
export function parseKeep(text: string): FinishedState[] {
  const states = new Set<FinishedState>();
  for (const part of text
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (part === 'all') FINISHED_STATES.forEach((s) => states.add(s));
    else if (part === 'none') continue;
    else if (isFinished(part.toUpperCase())) states.add(part.toUpperCase() as FinishedState);
    else throw new UsageError(`--keep takes all, none or a list of success,failed,interrupted; not ${JSON.stringify(part)}`);
  }
  return [...states];
}

/** The finished states whose flags (--success, --failed, --interrupted) are set; undefined (the library's default) when none is. */
export function flaggedStates(flags: Partial<Record<Lowercase<FinishedState>, boolean>>): FinishedState[] | undefined {
  const states = FINISHED_STATES.filter((s) => flags[s.toLowerCase() as Lowercase<FinishedState>]);
  return states.length ? states : undefined;
}

/** Options every command that opens a queue understands. */
export interface QueueFlags {
  keep?: string;
  durable?: boolean;
  lock?: boolean;
}

export function queueOptions(flags: QueueFlags, extra: QueueOptions = {}): QueueOptions {
  return {
    keep: flags.keep !== undefined ? parseKeep(flags.keep) : undefined,
    durable: flags.durable,
    crashDetection: flags.lock ? 'lock' : 'pid',
    ...extra,
  };
}
