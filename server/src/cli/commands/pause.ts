import { Pacchettino } from '../../core';
import { queueOptions, type QueueFlags } from '../options';

/** Our consumers take no new job until `resume`; the original's consumers do not know the marker. */
export function pause(queuePath: string, flags: QueueFlags): number {
  const info = new Pacchettino(queuePath, queueOptions(flags)).pause();
  process.stdout.write(`paused since ${new Date(info.since).toISOString()}${info.host ? ` (by pid ${info.pid} on ${info.host})` : ''}\n`);
  return 0;
}

export function resume(queuePath: string, flags: QueueFlags): number {
  const was = new Pacchettino(queuePath, queueOptions(flags)).resume();
  process.stdout.write(was ? 'resumed\n' : 'not paused\n');
  return 0;
}
