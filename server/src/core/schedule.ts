import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoOf } from './errors';
import { parseScheduledName } from './jobName';
import { fsyncDirs } from './durability';
import type { Layout } from './layout';

/**
 * Promotes due jobs from scheduled/<due>-<job> to queued/<job>. The folder is listed
 * again only when its mtime moved or a known due time has come, so a consumer draining
 * a long queue pays one stat per job here, not a listing.
 */
export class Scheduler {
  private seenMtime = -1;
  private listedAt = 0;
  private pending: { due: number; entry: string; job: string }[] = [];

  constructor(private readonly layout: Layout, private readonly durable: boolean) {}

  /** Earliest due time still waiting, for a consumer deciding how long to sleep. */
  get nextDue(): number | undefined {
    return this.pending.length ? this.pending[0].due : undefined;
  }

  /** Returns how many jobs it moved into queued/. */
  promoteDue(now: number = Date.now()): number {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.layout.scheduled);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return 0;
      throw err;
    }
    // A listing made within the mtime's tick may have missed a change in that same tick.
    if (st.mtimeMs !== this.seenMtime || this.listedAt - st.mtimeMs < 50) this.relist(st.mtimeMs);
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
