import { BOUNDS, Pacchettino } from '../../core';
import { UsageError } from '../exitCodes';
import { parseDuration, queueOptions, type QueueFlags } from '../options';

export function send(queuePath: string, flags: QueueFlags & { data?: string; file?: string; move?: boolean; delay?: string }): number {
  if ((flags.data === undefined) === (flags.file === undefined)) throw new UsageError('send takes exactly one of --data <text> or --file <path>');
  if (flags.move && flags.file === undefined) throw new UsageError('--move goes with --file');
  const delay = flags.delay !== undefined ? parseDuration(flags.delay, '--delay', BOUNDS.delayMs) : undefined;
  const queue = new Pacchettino(queuePath, queueOptions(flags));
  const id = flags.file !== undefined ? queue.sendFile(flags.file, { move: flags.move, delay }) : queue.sendData(flags.data!, { delay });
  process.stdout.write(id + '\n');
  return 0;
}
