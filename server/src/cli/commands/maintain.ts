import { BOUNDS } from '../../core';
import { ReportedError, UsageError } from '../exitCodes';
import { flaggedStates, parseDuration, type QueueFlags } from '../options';
import { openQueue } from '../openQueue';
import { printable } from '../output';

export function requeue(queuePath: string, ids: string[], flags: QueueFlags & { all?: boolean; failed?: boolean; interrupted?: boolean }): number {
  if (flags.all && ids.length) throw new UsageError('give job ids or --all, not both');
  if (!flags.all && !ids.length) throw new UsageError('requeue needs job ids, or --all [--failed] [--interrupted]');
  if (!flags.all && (flags.failed || flags.interrupted)) throw new UsageError('--failed and --interrupted go with --all');
  const queue = openQueue(queuePath, flags, 'existing');
  if (flags.all) {
    const states = flaggedStates({ failed: flags.failed, interrupted: flags.interrupted });
    process.stdout.write(`${queue.requeueAll({ states })} requeued\n`);
    return 0;
  }
  // Each id on its own: one unknown id must not hide that the others were requeued.
  let done = 0;
  let firstError: unknown;
  for (const id of ids) {
    try {
      queue.requeue(id);
      done++;
    } catch (err) {
      firstError ??= err;
      process.stderr.write(`pacchettino: ${printable((err as Error).message)}\n`);
    }
  }
  process.stdout.write(`${done} requeued\n`);
  if (firstError) throw new ReportedError(firstError);
  return 0;
}

export function cleanup(queuePath: string, flags: QueueFlags & { success?: boolean; failed?: boolean; interrupted?: boolean; olderThan?: string }): number {
  const states = flaggedStates(flags);
  const olderThanMs = flags.olderThan !== undefined ? parseDuration(flags.olderThan, '--older-than', BOUNDS.ageMs) : 0;
  const queue = openQueue(queuePath, flags, 'existing');
  const n = queue.cleanup({ states, olderThanMs });
  process.stdout.write(`${n} deleted\n`);
  return 0;
}

export function recover(queuePath: string, flags: QueueFlags): number {
  const queue = openQueue(queuePath, flags, 'existing');
  const r = queue.recover();
  for (const name of r.interrupted) process.stdout.write(`interrupted ${printable(name)}\n`);
  process.stdout.write(`${r.interrupted.length} recovered\n`);
  return 0;
}
