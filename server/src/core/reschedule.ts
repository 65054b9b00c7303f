import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, fsFailure } from './errors';
import { parseScheduledName, scheduledName } from './jobName';
import { fsyncDirs } from './durability';
import { promote, type MaintenanceContext } from './maintenance';

/**
 * Moves a waiting job's due time: scheduled/<due>-<job> to scheduled/<new due>-<job>, a
 * queued job into scheduled/, or (a due time not in the future) into queued/ now.
 * One rename is the whole operation, so a crash leaves the job in one place or the other;
 * a consumer that claimed it meanwhile wins, and this says the job is no longer waiting.
 * Attempts and the failure record stay: a retry moved earlier is still a retry.
 */
export function reschedule(ctx: MaintenanceContext, idOrName: string, dueAt: number, now = Date.now()): number {
  if (!Number.isFinite(dueAt)) throw new QueueError('BAD_NAME', `A due time must be a number of ms since the epoch, not ${String(dueAt)}`);
  const found = ctx.inspector.find(idOrName);
  if (!found) throw new QueueError('NOT_FOUND', `No job ${idOrName} in this queue`);
  let jobName: string;
  if (found.state === 'SCHEDULED') jobName = parseScheduledName(found.entry)!.job.name;
  else if (found.state === 'QUEUED') jobName = found.entry;
  else {
    const why = `Job ${idOrName} is ${found.state.toLowerCase()}; only scheduled or queued jobs can be rescheduled`;
    throw new QueueError(found.state === 'PROCESSING' ? 'BUSY' : 'NOT_FOUND', why);
  }
  const due = Math.floor(dueAt) > now;
  if (!due && found.state === 'SCHEDULED') {
    promote(ctx, idOrName); // "run now": the one way a scheduled job is made due early
    return now;
  }
  const from = path.join(ctx.inspector.dirOf(found.state), found.entry);
  const to = due ? path.join(ctx.layout.scheduled, scheduledName(dueAt, jobName)) : path.join(ctx.layout.queued, jobName);
  if (from === to) return Math.floor(dueAt);
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new QueueError('NOT_FOUND', `Job ${idOrName} is no longer waiting (a consumer took it)`);
    throw fsFailure(`rescheduling ${jobName}`, err);
  }
  if (ctx.durable) fsyncDirs(path.dirname(from), path.dirname(to));
  return due ? Math.floor(dueAt) : now;
}
