import { setTimeout as delay } from 'node:timers/promises';
import { fsFailure, isUnreachable, type QueueError } from './errors';

/** Waits between tries while the file system does not answer: soon at first, then every 2 s. */
const UNANSWERED_FIRST_MS = 50;
const UNANSWERED_MAX_MS = 2000;

/**
 * The end of a job on a file system that stopped answering (a network mount cut off from
 * its server: ENOTCONN, ESTALE…): each step is tried again until it answers, the job staying
 * in hand, so it is reported once it is known where it went — LOST if another host took it
 * meanwhile, as it will have if the cut outlasted our lease. Warns once per job.
 */
export class UntilAnswered {
  private warned = false;
  constructor(
    private readonly name: string,
    private readonly warn: (err: QueueError) => void,
  ) {}

  async run<T>(step: () => T | Promise<T>): Promise<T> {
    for (let wait = UNANSWERED_FIRST_MS; ; wait = Math.min(2 * wait, UNANSWERED_MAX_MS)) {
      try {
        return await step();
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        if (!this.warned) this.warn(fsFailure(`filing job ${this.name}: it stays in hand, and is filed or reported lost once the file system answers`, err));
        this.warned = true;
        await delay(wait);
      }
    }
  }
}
