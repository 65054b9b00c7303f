import { setTimeout as delay } from 'node:timers/promises';
import { leaseMargin } from '../../core/ownerLease';
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

/**
 * On a shared queue a consumer on another machine is dead only once its lease stood still
 * for lease + margin as we watched it: a single look cannot tell, so recover keeps looking
 * that long when it met such owners (a running consumer or the worker does this by itself).
 */
export async function recover(queuePath: string, flags: QueueFlags): Promise<number> {
  const queue = openQueue(queuePath, flags, 'existing');
  const interrupted: string[] = [];
  let r = queue.recover();
  interrupted.push(...r.interrupted);
  if (r.watching) {
    const watchMs = queue.leaseMs + leaseMargin(queue.leaseMs) + 500;
    process.stderr.write(`pacchettino: ${r.watching} consumer(s) on other machines: watching their leases for ${(watchMs / 1000).toFixed(1)} s\n`);
    const end = Date.now() + watchMs;
    while (r.watching && Date.now() < end) {
      await delay(Math.min(queue.leaseMs / 3, Math.max(0, end - Date.now())));
      r = queue.recover();
      interrupted.push(...r.interrupted);
    }
  }
  for (const name of interrupted) process.stdout.write(`interrupted ${printable(name)}\n`);
  process.stdout.write(`${interrupted.length} recovered\n`);
  return 0;
}
