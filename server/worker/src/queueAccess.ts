import { ResponseError } from 'vscode-languageserver/node';
import type { Pacchettino } from 'pacchettino';
import { WorkerErrorCodes } from '@pacchettino/shared';
import type { QueueRegistry } from './queueRegistry';

/**
 * Runs `fn` on a configured, readable queue. A request that `mutates` is refused while the
 * worker is read-only (the client hides such commands too; this is the guard that holds
 * whatever the client sends). A mutation, or any failure, asks for a fresh summary.
 */
export function withQueue<T>(registry: QueueRegistry, queuePath: string, mutates: boolean, fn: (q: Pacchettino) => T): T {
  if (mutates) refuseIfReadOnly(registry);
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
