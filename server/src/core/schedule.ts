import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoOf } from './errors';
import { parseScheduledName } from './jobName';
import { fsyncDirs } from './durability';
import { MTIME_TICK_SLACK_MS } from './mtimeTick';
import type { Layout } from './layout';

/**
 * Promotes due jobs from scheduled/<due>-<job> to queued/<job>. The folder is listed
 * again only when its mtime moved or a known due time has come, and stat'ed at most once
 * per millisecond, so a consumer draining a long queue pays a stat every few jobs here,
 * not a listing.
 *
 * Why once per millisecond loses nothing: a job enters scheduled/ due at least 1 ms after
 * it was sent (a whole-ms delay), so a receive at or after its due time runs in a later
 * millisecond than its arrival, and the first receive of that millisecond stat'ed after
 * the arrival. (A fractional delay, or an entry made due by hand, may wait for the next
 * millisecond's stat.)
 */
export class Scheduler {
  private seenMtime = -1;
  private listedAt = 0;
  private statMs = -1;
  private pending: { due: number; entry: string; job: string }[] = [];

  constructor(
    private readonly layout: Layout,
    private readonly durable: boolean,
  ) {}

  /** Earliest due time still waiting, for a consumer deciding how long to sleep. */
  get nextDue(): number | undefined {
    return this.pending.length ? this.pending[0].due : undefined;
  }

  /** Returns how many jobs it moved into queued/. */
  promoteDue(now: number = Date.now()): number {
    if (now !== this.statMs) {
      let st: fs.Stats;
      try {
        st = fs.statSync(this.layout.scheduled);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') return 0;
        throw err;
      }
      this.statMs = now;
      // A listing made within the mtime's tick may have missed a change in that same tick.
      if (st.mtimeMs !== this.seenMtime || this.listedAt - st.mtimeMs < MTIME_TICK_SLACK_MS) this.relist(st.mtimeMs);
    }
    let moved = 0;
    while (this.pending.length && this.pending[0].due <= now) {
      const p = this.pending.shift()!;
      try {
        fs.renameSync(path.join(this.layout.scheduled, p.entry), path.join(this.layout.queued, p.job));
        moved++;
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw err; // another consumer promoted it
      }
    }
    if (moved && this.durable) fsyncDirs(this.layout.scheduled, this.layout.queued);
    return moved;
  }

  private relist(mtime: number): void {
    const pending: typeof this.pending = [];
    for (const entry of fs.readdirSync(this.layout.scheduled)) {
      const parsed = parseScheduledName(entry);
      if (parsed) pending.push({ due: parsed.due, entry, job: parsed.job.name });
    }
    pending.sort((a, b) => a.due - b.due);
    this.pending = pending;
    this.seenMtime = mtime;
    this.listedAt = Date.now();
  }
}
