import * as fs from 'node:fs';
import * as path from 'node:path';
import { selfIdentity, uptimeMs } from './hostIdentity';
import { readQueueFile } from './queueFile';

/**
 * The wall-clock time this machine booted, for the one judgement that needs a wall clock:
 * whether a pid in the original's `<job>.<pid>` dir started before that dir was made
 * (file times are wall-clock, process starts are ticks since boot).
 *
 * "Now minus uptime" moves with every step of the clock (NTP, faketime, a user's `date -s`),
 * and a forward step made a live owner look younger than its dir, so dead. So the earliest
 * boot time ever seen on this boot is kept in the queue (`.pacchettino/boot/<boot id>`) and
 * used: after a forward step the old, smaller value stands; after a backward step the new
 * smaller one replaces it. Either way owners start no later than they really did relative to
 * dirs made before the step: a step can hide a recycled pid for a while (the job waits, as
 * with the original), never kill a live owner.
 */
export class BootTime {
  private earliest: number | undefined;

  constructor(private readonly dir: string) {}

  /** Wall-clock ms of boot, as early as this boot has been seen; undefined without /proc. */
  ms(): number | undefined {
    const up = uptimeMs();
    if (up === undefined) return undefined;
    const now = Date.now() - up;
    if (this.earliest === undefined) this.earliest = this.readStored();
    if (this.earliest === undefined || now < this.earliest - 1000) {
      this.earliest = Math.min(now, this.earliest ?? Infinity);
      this.store(this.earliest);
    }
    return Math.min(this.earliest, now);
  }

  private file(): string {
    return path.join(this.dir, selfIdentity().bootId.replace(/[^0-9a-f-]/gi, '_'));
  }

  private readStored(): number | undefined {
    try {
      const v = Number(readQueueFile(this.file()).trim());
      return Number.isFinite(v) && v > 0 ? v : undefined;
    } catch {
      return undefined;
    }
  }

  // Best effort: a read-only queue, or two processes writing at once, only costs precision.
  private store(ms: number): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const tmp = `${this.file()}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${Math.floor(ms)}\n`);
      fs.renameSync(tmp, this.file());
    } catch {
      /* see above */
    }
  }
}
