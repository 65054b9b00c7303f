import { Layout, Pacchettino, type QueueOptions } from '../core';
import { queueOptions, type QueueFlags } from './options';

/**
 * How a command opens its queue. `send` and `consume` create it (a consumer may start
 * before the first job). The others act on what a queue holds, so a path that is not one
 * yet is a mistake (a typo): exit 66 and nothing created. `read-only` (status, ls) adds
 * nothing even to a real queue; `existing` (requeue, cleanup, recover) then adds the
 * folders of ours it writes to, as opening does.
 */
export function openQueue(queuePath: string, flags: QueueFlags, how: 'create' | 'existing' | 'read-only', extra: QueueOptions = {}): Pacchettino {
  if (how === 'existing') new Layout(queuePath).verify();
  return new Pacchettino(queuePath, queueOptions(flags, { ...extra, create: how !== 'read-only' }));
}
