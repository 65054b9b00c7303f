/**
 * The worker's incremental view of a queue's state folders: each folder is listed once,
 * then kept by the names its watch reports (FolderWatch), so a change costs an lstat of
 * the entry it names instead of a listing of the folder. Where a watch cannot be trusted
 * (not started, failed, events lost, a folder other machines also write: see `trust`), it
 * answers as FolderSnapshots does, by listing whenever the folder's mtime moved.
 *
 * What keeps it true: the watch is started before a folder's first listing, so every change
 * after that listing reports its name; a name is looked up (lstat) when the index is next
 * read, not when it was reported, so what the index holds is what the folder held then.
 * Events reported before a listing are covered by it (each was made before it began), and a
 * rename racing with the listing is reported after it. The sort is the listing's own
 * (idOfEntry, then the name), so an updated index is the very array a fresh listing gives.
 */
import * as path from 'node:path';
import { errnoOf } from './errors';
import { FolderSnapshots, type FolderListings } from './folderSnapshot';
import { entryExists, listNames } from './fsName';
import type { JobFacts } from './jobQuery';
import { compareEntries, idOfEntry, jobEntriesOldestFirst } from './listingOrder';
import type { Layout } from './layout';
import { lowerBound } from './lowerBound';
import { LISTABLE_STATES, type ListableState } from './policy';

interface IndexedFolder {
  dir: string;
  state: ListableState;
  /** Job entries in listing order; undefined: list the folder at the next look. */
  sorted?: string[];
  /** Names reported since the last look, to be looked up then. */
  reported: Set<string>;
  /** What sorts and filters read of an entry, kept until its name is reported (it may have left and come back). */
  facts: Map<string, JobFacts>;
}

/** Reported names beyond this share of the folder (and this floor) cost more to look up one by one than a listing. */
const RELIST_SHARE = 0.5;
const RELIST_FLOOR = 1000;

export class FolderIndex implements FolderListings {
  private readonly folders = new Map<string, IndexedFolder>();
  private readonly snapshots: FolderSnapshots;
  private trusted = false;
  /**
   * How many times a state folder was listed while trusted: once per folder, and again only
   * after a loss. Read by test/core/folderIndex.test.ts only: the one way to tell a kept
   * index from one that lists at every look, since both give the same names.
   */
  listings = 0;

  constructor(layout: Layout) {
    for (const state of LISTABLE_STATES) {
      const dir = layout.dirOf(state);
      this.folders.set(dir, { dir, state, reported: new Set(), facts: new Map() });
    }
    this.snapshots = new FolderSnapshots((dir, names) => jobEntriesOldestFirst(this.folders.get(dir)!.state, names));
  }

  /**
   * `true` once the watches on every state folder have (re)started: each folder keeps the
   * listing looks had taken if a stat now shows it still current (the watch, already started,
   * reports every later change), else it is listed now; it is kept by reports from then on.
   * Returns whether any folder's entries differ from what looks last saw (a change made before
   * its watch started, which no report will tell). `false` when the watches stopped or cannot
   * be believed (other machines write the folders): looks list by mtime again.
   */
  trust(trusted: boolean): boolean {
    this.trusted = trusted;
    let changed = false;
    for (const f of this.folders.values()) {
      f.reported.clear();
      f.facts.clear();
      f.sorted = trusted ? this.snapshots.current(f.dir) : undefined;
      if (!trusted || f.sorted) continue;
      const seen = this.snapshots.held(f.dir);
      try {
        f.sorted = jobEntriesOldestFirst(f.state, listOrEmpty(f.dir));
        this.listings++;
      } catch {
        changed = true; // the look that follows says why
        continue;
      }
      if (!seen || seen.length !== f.sorted.length || seen.some((name, i) => name !== f.sorted![i])) changed = true;
    }
    return changed;
  }

  /** A watch's report (FolderWatch): `name` in `dir` may have come or gone; no name: anything may have. */
  note(dir: string, name: string | undefined): void {
    const f = this.trusted ? this.folders.get(dir) : undefined;
    if (!f) return; // not a state folder
    if (name !== undefined) f.facts.delete(name);
    if (!f.sorted) return; // listed at its next look anyway
    if (name === undefined || f.reported.size >= Math.max(RELIST_FLOOR, f.sorted.length * RELIST_SHARE)) {
      f.sorted = undefined;
      f.reported.clear();
      f.facts.clear();
      return;
    }
    f.reported.add(name);
  }

  /** A change of this process's own, told before its watch reports it: the name is looked up at the next look, as a report's is. */
  changedHere(dir: string, name: string): void {
    this.note(dir, name);
  }

  names(dir: string): string[] {
    const f = this.trusted ? this.folders.get(dir) : undefined;
    if (!f) return this.snapshots.names(dir);
    if (!f.sorted) {
      f.reported.clear();
      f.sorted = jobEntriesOldestFirst(f.state, listOrEmpty(dir));
      this.listings++;
    } else if (f.reported.size > 0) {
      f.sorted = updated(f);
    }
    return f.sorted;
  }

  /** Kept while the index is trusted: every entry that comes or goes is reported, and its facts dropped. */
  facts(dir: string): Map<string, JobFacts> | undefined {
    return this.trusted ? this.folders.get(dir)?.facts : undefined;
  }

  /** Nothing changes the index while synchronous code runs (reports arrive between turns), so a bulk action already sees each folder once. */
  frozen<T>(fn: () => T): T {
    return this.trusted ? fn() : this.snapshots.frozen(fn);
  }
}

function listOrEmpty(dir: string): string[] {
  try {
    return listNames(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return []; // as FolderSnapshots: the folder checks say why
    throw err;
  }
}

/** The folder's entries with its reported names looked up: the same array when none came or went, else a new one. */
function updated(f: IndexedFolder): string[] {
  const sorted = f.sorted!;
  const gone: number[] = [];
  const came: string[] = [];
  let stayed = false;
  try {
    for (const name of f.reported) {
      if (idOfEntry(f.state, name) === undefined) continue; // not a job: never listed either
      const at = positionOf(sorted, f.state, name);
      const listed = at < sorted.length && sorted[at] === name;
      const there = entryExists(path.join(f.dir, name));
      if (there && !listed) came.push(name);
      else if (!there && listed) gone.push(at);
      else if (there) stayed = true;
    }
  } catch (err) {
    f.sorted = undefined; // a lookup that failed for another reason than absence: list at the next look
    throw err;
  } finally {
    f.reported.clear();
  }
  // A name reported but still there may have left and come back (a job requeued and finished
  // again): its finish time and record are new, so what was worked out per listing must go too.
  if (gone.length === 0 && came.length === 0) return stayed ? sorted.slice() : sorted;
  gone.sort((a, b) => a - b);
  came.sort((a, b) => compareEntries(f.state, a, b));
  const kept = gone.length > 0 ? without(sorted, gone) : sorted;
  if (came.length === 0) return kept;
  // New jobs have the newest ids (UUIDv7): usually they all go after the last entry.
  if (kept.length === 0 || compareEntries(f.state, kept[kept.length - 1], came[0]) < 0) return kept.concat(came);
  return merged(kept, came, f.state);
}

/** The first position whose entry does not sort before `name`. */
function positionOf(sorted: string[], state: ListableState, name: string): number {
  return lowerBound(sorted, (entry) => compareEntries(state, entry, name) < 0);
}

/** `sorted` without the entries at the (ascending) positions `gone`. */
function without(sorted: string[], gone: number[]): string[] {
  const out = new Array<string>(sorted.length - gone.length);
  let k = 0;
  let g = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (g < gone.length && gone[g] === i) g++;
    else out[k++] = sorted[i];
  }
  return out;
}

/** Both sorted lists as one: each of `came` placed by binary search, the rest copied. */
function merged(kept: string[], came: string[], state: ListableState): string[] {
  const out = new Array<string>(kept.length + came.length);
  let k = 0;
  let from = 0;
  for (const name of came) {
    const at = positionOf(kept, state, name);
    while (from < at) out[k++] = kept[from++];
    out[k++] = name;
  }
  while (from < kept.length) out[k++] = kept[from++];
  return out;
}
