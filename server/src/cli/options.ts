import ms from 'ms';
import { BOUNDS, FINISHED_STATES, describeBound, isFinished, type Bound, type FinishedState, type QueueOptions } from '../core';
import { UsageError } from './exitCodes';

/** An empty value is most often an unset shell variable (`--keep "$KEEP"`): say so rather than guess. */
function nonEmpty(text: string, flag: string): string {
  const trimmed = text.trim();
  if (!trimmed) throw new UsageError(`${flag} is empty (an unset shell variable?); give it a value`);
  return trimmed;
}

/** "250" is milliseconds; "10s", "5m", "1h", "2d" as the `ms` package reads them; inside `bound` (core/bounds.ts). */
export function parseDuration(text: string, flag: string, bound: Bound): number {
  const trimmed = nonEmpty(text, flag);
  let value: number | undefined;
  try {
    value = /^\d+$/.test(trimmed) ? Number(trimmed) : ms(trimmed as ms.StringValue);
  } catch {
    value = undefined; // ms throws on what it cannot read; its message speaks of its own internals
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${flag}: not a duration: ${JSON.stringify(text)} (use milliseconds, or 10s, 5m, 1h, 2d)`);
  }
  if (value < bound.min || value > bound.max) throw new UsageError(`${flag} must be ${describeBound(bound)}, not ${JSON.stringify(text)}`);
  return value;
}

/** A whole number inside `bound`; a bare number is the minimum of an otherwise unbounded count (--limit, --offset). */
export function parseCount(text: string, flag: string, bound: Bound | number): number {
  const b: Bound = typeof bound === 'number' ? { min: bound, max: Number.MAX_SAFE_INTEGER, integer: true } : bound;
  const trimmed = nonEmpty(text, flag);
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value < b.min || value > b.max) throw new UsageError(`${flag} must be ${describeBound(b)}, not ${JSON.stringify(text)}`);
  return value;
}

/** "all", "none", or a comma list of success,failed,interrupted. */
export function parseKeep(text: string): FinishedState[] {
  const states = new Set<FinishedState>();
  for (const part of nonEmpty(text, '--keep')
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
  /** --shared / --no-shared: overrides the file-system detection. */
  shared?: boolean;
  lease?: string;
}

export function queueOptions(flags: QueueFlags, extra: QueueOptions = {}): QueueOptions {
  return {
    keep: flags.keep !== undefined ? parseKeep(flags.keep) : undefined,
    durable: flags.durable,
    crashDetection: flags.lock ? 'lock' : 'pid',
    shared: flags.shared,
    lease: flags.lease !== undefined ? parseDuration(flags.lease, '--lease', BOUNDS.leaseMs) : undefined,
    ...extra,
  };
}
