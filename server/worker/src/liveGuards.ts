import type { ConsumersParams, PauseParams, RescheduleParams, StatsParams } from '@pacchettino/shared';
import { bool, fail, fieldsOf, int, jobId, queueField } from './paramGuards';

/** Guards of the live-operations requests (see paramGuards.ts for the rules they follow). */

export function pauseParams(method: string, params: unknown): PauseParams {
  const o = fieldsOf(method, params);
  const paused = bool(method, o, 'paused');
  if (paused === undefined) fail(method, '`paused` is required: true pauses the queue, false resumes it');
  return { queue: queueField(method, o), paused };
}

export function consumersParams(method: string, params: unknown): ConsumersParams {
  return { queue: queueField(method, fieldsOf(method, params)) };
}

export function rescheduleParams(method: string, params: unknown): RescheduleParams {
  const o = fieldsOf(method, params);
  const dueAt = int(method, o, 'dueAt', 0, Number.MAX_SAFE_INTEGER);
  if (dueAt === undefined) fail(method, '`dueAt` is required (ms since the epoch)');
  return { queue: queueField(method, o), id: jobId(method, 'id', o.id), dueAt };
}

export function statsParams(method: string, params: unknown): StatsParams {
  const o = fieldsOf(method, params);
  const window = o.window ?? 'hour';
  if (window !== 'hour' && window !== 'day') fail(method, `\`window\` must be "hour" or "day", got ${JSON.stringify(window)}`);
  return { queue: queueField(method, o), window };
}
