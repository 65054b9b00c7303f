import { openQueue } from '../openQueue';
import type { QueueFlags } from '../options';
import { timeText } from '../output';

/** Our consumers take no new job until `resume`; the original's consumers do not know the marker. */
export function pause(queuePath: string, flags: QueueFlags): number {
  const info = openQueue(queuePath, flags, 'existing').pause();
  process.stdout.write(`paused since ${timeText(info.since)}${info.host ? ` (by pid ${info.pid} on ${info.host})` : ''}\n`);
  return 0;
}

export function resume(queuePath: string, flags: QueueFlags): number {
  const was = openQueue(queuePath, flags, 'existing').resume();
  process.stdout.write(was ? 'resumed\n' : 'not paused\n');
  return 0;
}
