import * as fs from 'node:fs';
import { errnoOf } from './errors';
import { MTIME_TICK_SLACK_MS } from './mtimeTick';
import { listNames } from './fsName';
import type { JobFacts } from './jobQuery';

/**
 * The queue option (a symbol: not part of the public QueueOptions) that hands a queue the
 * listings it reads its state folders through: our worker's FolderIndex.
 */
export const LISTINGS: unique symbol = Symbol('pacchettino.listings');

/** Where the Inspector gets a state folder's sorted job entries: FolderSnapshots, or a watch-fed FolderIndex. */
export interface FolderListings {
  /** The folder's entries, prepared (filtered, sorted); a new array whenever they changed, the same one while they did not. */
  names(dir: string): string[];
  /** Runs `fn` (a bulk action) with each folder listed at most once. */
  frozen<T>(fn: () => T): T;
  /**
   * Facts of the folder's entries (sizes, times: what a sort or filter reads) that stay true
   * across listings, when the listings know each entry that came or went (FolderIndex);
   * undefined where only a new listing says so, and facts are kept per listing instead.
   */
  facts?(dir: string): Map<string, JobFacts> | undefined;
  /**
   * This process just made `name` in `dir` come or go: listings kept by a watch's reports
   * (FolderIndex) would hear of it only between turns, after a look in this same turn (the
   * worker's counts right after it promotes due jobs). Listings kept by mtime need no telling.
   */
  changedHere?(dir: string, name: string): void;
}

/**
 * A folder's sorted entry names, listed again only when its mtime moved. Any add, remove
 * or rename in a folder moves its mtime, so counts and pages of a 100,000-job state cost
 * one stat while nothing changes. A listing taken within a tick of the mtime is not
 * trusted, since a second change in the same tick would not move it.
 */
export class FolderSnapshots implements FolderListings {
  private readonly cache = new Map<string, { mtimeMs: number; listedAt: number; names: string[] }>();
  private frozenDepth = 0;

  /** `prepare` turns the raw listing into what callers want (filtered, sorted); it runs once per change. */
  constructor(private readonly prepare: (dir: string, names: string[]) => string[]) {}

  /**
   * Runs `fn` with every folder listed at most once: for a bulk action, whose own renames
   * move the mtime after each job and would have a 100,000-job folder listed once per job.
   * A listing gone stale meanwhile costs nothing worse than a per-job "not found": each
   * step is a rename, which fails whole (ENOENT) when the job has moved on.
   */
  frozen<T>(fn: () => T): T {
    this.frozenDepth++;
    try {
      return fn();
    } finally {
      this.frozenDepth--;
    }
  }

  names(dir: string): string[] {
    if (this.frozenDepth > 0) {
      const held = this.cache.get(dir);
      if (held) return held.names;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw err;
    }
    const hit = this.cache.get(dir);
    if (hit && stillCurrent(hit, st)) return hit.names;
    const listedAt = Date.now();
    const names = this.prepare(dir, listNames(dir));
    this.cache.set(dir, { mtimeMs: st.mtimeMs, listedAt, names });
    return names;
  }

  /** The listing last taken of `dir`, current or not. */
  held(dir: string): string[] | undefined {
    return this.cache.get(dir)?.names;
  }

  /** The listing held for `dir` if a stat now shows the folder unchanged since (as names() would answer without listing); else undefined. */
  current(dir: string): string[] | undefined {
    const hit = this.cache.get(dir);
    if (!hit) return undefined;
    try {
      return stillCurrent(hit, fs.statSync(dir)) ? hit.names : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Unchanged since listed: the same mtime, and the listing taken more than a tick after it (a second change in that tick would not move it). */
function stillCurrent(hit: { mtimeMs: number; listedAt: number }, st: fs.Stats): boolean {
  return hit.mtimeMs === st.mtimeMs && hit.listedAt - st.mtimeMs > MTIME_TICK_SLACK_MS;
}
