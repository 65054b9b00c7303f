import { ResponseError } from 'vscode-languageserver/node';
import type { Pacchettino } from 'pacchettino';
import { WorkerErrorCodes } from '@pacchettino/shared';
import { FolderWatch } from 'pacchettino/internal';
import type { QueueRegistry } from './queueRegistry';

/**
 * Runs `fn` on a configured, readable queue, once the watches' reports already in the
 * kernel have reached the queue's index (watchesCaughtUp). A request that `mutates` is
 * refused while the worker is read-only (the client hides such commands too; this is the
 * guard that holds whatever the client sends). A mutation, or any failure, asks for a
 * fresh summary. `fn` itself runs without yielding, so two requests never interleave on a queue.
 */
export async function withQueue<T>(registry: QueueRegistry, queuePath: string, mutates: boolean, fn: (q: Pacchettino) => T): Promise<T> {
  if (mutates) refuseIfReadOnly(registry);
  await watchesCaughtUp();
  const q = registry.open(queuePath);
  let ok = false;
  try {
    const result = fn(q);
    ok = true;
    return result;
  } finally {
    // A failure may be the folder vanishing under us: let the summary find out.
    if (mutates || !ok) registry.changed(queuePath);
  }
}

/**
 * withQueue for a change that awaits (enqueueFiles' copies): other requests are answered
 * meanwhile. The queue is looked up once, at the start: a copy in hand finishes even if the
 * settings let the queue go meanwhile, as a send from the CLI would.
 */
export async function mutateQueueAsync<T>(registry: QueueRegistry, queuePath: string, fn: (q: Pacchettino) => Promise<T>): Promise<T> {
  refuseIfReadOnly(registry);
  await watchesCaughtUp();
  const q = registry.open(queuePath);
  try {
    return await fn(q);
  } finally {
    registry.changed(queuePath);
  }
}

export function refuseIfReadOnly(registry: QueueRegistry): void {
  if (registry.readOnly) {
    throw new ResponseError(WorkerErrorCodes.ReadOnly, 'Pacchettino is read-only here (the pacchettino.readOnly setting): nothing in a queue is changed');
  }
}

/**
 * Resolves once every change made before now has reached the indexes of watched queues: a
 * request sent after a send, a claim or a finish (ours or another process's) sees it, as a
 * fresh listing would (the kernel queues a watch event before the change's call returns).
 */
export function watchesCaughtUp(): Promise<void> {
  return FolderWatch.delivered();
}
