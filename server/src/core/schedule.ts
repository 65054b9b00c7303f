import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoOf, fsFailure, isEntryFault, type QueueError } from './errors';
import { displayName, fsPath, listNames } from './fsName';
import { parseScheduledName } from './jobName';
import { fsyncDirs } from './durability';
import { MTIME_TICK_SLACK_MS } from './mtimeTick';
import { checkRealDir, type Layout } from './layout';
import type { FolderListings } from './folderSnapshot';
import { lowerBound } from './lowerBound';

/** A listing of scheduled/ may take at most this share of a consumer's time (1/50 = 2%). */
const RELIST_COST_SHARE = 50;

/** An entry that could not be promoted (its name taken in queued/ by a folder, say) is tried again after this long. */
const STUCK_RETRY_MS = 60_000;

interface Pending {
  due: number;
  entry: string;
  job: string;
}

/**
 * Promotes due jobs from scheduled/<due>-<job> to queued/<job>. The folder is stat'ed at most
 * once per millisecond and listed again only when its mtime moved, so a consumer draining a
 * long queue pays a stat every few jobs here, not a listing.
 *
 * Why once per millisecond loses nothing: a job enters scheduled/ due at least 1 ms after
 * it was sent (a whole-ms delay), so a receive at or after its due time runs in a later
 * millisecond than its arrival, and the first receive of that millisecond stat'ed after
 * the arrival. (A fractional delay, or an entry made due by hand, may wait for the next
 * millisecond's stat.)
 *
 * A listing costs in proportion to the backlog (30,000 delayed jobs: tens of ms), and with
 * jobs retrying with a delay the mtime moves with every job. So a listing is taken at most
 * once per RELIST_COST_SHARE times its own cost: the cost per job stays flat however long the
 * backlog, and a job another process schedules is seen at worst that much later (nextDue
 * tells a waiting consumer when to look). The jobs this consumer schedules itself are added
 * as they go (add()), without waiting for a listing.
 */
export class Scheduler {
  private seenMtime = -1;
  private listedAt = 0;
  private statMs = -1;
  /** Sorted by due time; entries before `head` are done. */
  private pending: Pending[] = [];
  private head = 0;
  /** No listing before this time (see RELIST_COST_SHARE). */
  private relistAfter = 0;
  /** The folder changed while listing was held back: look again at relistAfter. */
  private relistOwed = false;
  private readonly stuck = new Map<string, number>();

  constructor(
    private readonly layout: Layout,
    private readonly durable: boolean,
    private readonly warn: (err: QueueError) => void = () => undefined,
    /** Told of each move, so a look in the same turn sees it (the worker counts right after promoting). */
    private readonly listings?: FolderListings,
  ) {}

  /** Earliest time a waiting consumer should look again: the next due job, or the listing held back. */
  get nextDue(): number | undefined {
    const due = this.head < this.pending.length ? this.pending[this.head].due : Infinity;
    const next = Math.min(due, this.relistOwed ? this.relistAfter : Infinity);
    return next === Infinity ? undefined : next;
  }

  /** A job this process has just put in scheduled/ (`entry` is its name there). */
  add(entry: string): void {
    const parsed = parseScheduledName(entry);
    if (!parsed) return;
    const item = { due: parsed.due, entry, job: parsed.job.name };
    // After the jobs due at the same time: they were added first.
    this.pending.splice(
      lowerBound(this.pending, (p) => p.due <= item.due, this.head),
      0,
      item,
    );
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
      if (st.mtimeMs !== this.seenMtime || this.listedAt - st.mtimeMs < MTIME_TICK_SLACK_MS) {
        if (now >= this.relistAfter) this.relist(st.mtimeMs);
        else this.relistOwed = true;
      }
    }
    let moved = 0;
    while (this.head < this.pending.length && this.pending[this.head].due <= now) {
      const p = this.pending[this.head++];
      try {
        fs.renameSync(fsPath(path.join(this.layout.scheduled, p.entry)), fsPath(path.join(this.layout.queued, p.job)));
        moved++;
        this.listings?.changedHere?.(this.layout.scheduled, p.entry);
        this.listings?.changedHere?.(this.layout.queued, p.job);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') continue; // another consumer promoted it
        // One entry that cannot be promoted costs that entry, not the queue: it stays in scheduled/.
        if (!isEntryFault(err)) {
          this.head--;
          throw err;
        }
        this.stuck.set(p.entry, now + STUCK_RETRY_MS);
        this.warn(fsFailure(`promoting ${displayName(p.entry)} from scheduled/ to queued/ (it stays scheduled; tried again in a minute)`, err));
      }
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    if (moved && this.durable) fsyncDirs(this.layout.scheduled, this.layout.queued);
    return moved;
  }

  private relist(mtime: number): void {
    const started = performance.now();
    checkRealDir(this.layout.scheduled);
    checkRealDir(this.layout.queued);
    const now = Date.now();
    const pending: Pending[] = [];
    for (const entry of listNames(this.layout.scheduled)) {
      const retryAt = this.stuck.get(entry);
      if (retryAt !== undefined) {
        if (retryAt > now) continue;
        this.stuck.delete(entry);
      }
      const parsed = parseScheduledName(entry);
      if (parsed) pending.push({ due: parsed.due, entry, job: parsed.job.name });
    }
    pending.sort((a, b) => a.due - b.due);
    this.pending = pending;
    this.head = 0;
    this.seenMtime = mtime;
    this.listedAt = now;
    this.relistOwed = false;
    this.relistAfter = now + (performance.now() - started) * RELIST_COST_SHARE;
  }
}
