import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, errnoOf, fsFailure } from './errors';
import { BOUNDS, checkBound } from './bounds';
import { parseJobName, parseScheduledName } from './jobName';
import { fsyncDirs } from './durability';
import { LISTABLE_STATES, type FinishedState, type ListableState } from './policy';
import { displayName, fsPath, listNames } from './fsName';
import { isUuid } from './jobId';
import { idOfEntry } from './listingOrder';
import { OWNER_TOKEN } from './ownerLiveness';
import type { Inspector } from './inspect';
import type { JobRecords } from './jobRecord';
import { checkRealDir, type Layout } from './layout';

export interface MaintenanceContext {
  layout: Layout;
  durable: boolean;
  records: JobRecords;
  inspector: Inspector;
}

const REQUEUABLE: ListableState[] = ['FAILED', 'INTERRUPTED', 'SUCCESS', 'SCHEDULED'];

/** tmp/ files (and records) this old are writers that died before their rename. */
const STALE_TMP_MS = 60 * 60 * 1000;

/** The queued/ name of an entry: scheduled entries carry their due time in front. */
function jobNameOf(state: ListableState, entry: string): string {
  return state === 'SCHEDULED' ? parseScheduledName(entry)!.job.name : entry;
}

/**
 * Puts a finished (or scheduled) job back in queued/ with a fresh attempt count.
 * The rename is the whole operation; a job already queued or running is an error.
 */
export function requeue(ctx: MaintenanceContext, idOrName: string): void {
  const found = ctx.inspector.find(idOrName);
  if (!found) throw new QueueError('NOT_FOUND', `No job ${idOrName} in this queue`);
  if (!REQUEUABLE.includes(found.state)) {
    // Queued or running: the job is there, just not ready for this; once it has run, it can be.
    throw new QueueError('BUSY', `Job ${idOrName} is ${found.state.toLowerCase()}; only failed, interrupted, succeeded or scheduled jobs can be requeued`);
  }
  checkRealDir(ctx.inspector.dirOf(found.state));
  checkRealDir(ctx.layout.queued);
  moveToQueued(ctx, found.state, found.entry);
}

/**
 * Makes a scheduled job due now: the rename into queued/ is the whole operation. Unlike a
 * requeue it keeps the job's record, so a retry promoted early still counts its attempts.
 */
export function promote(ctx: MaintenanceContext, idOrName: string): void {
  const found = ctx.inspector.find(idOrName);
  if (!found) throw new QueueError('NOT_FOUND', `No job ${idOrName} in this queue`);
  if (found.state !== 'SCHEDULED') {
    const why = `Job ${idOrName} is ${found.state.toLowerCase()}, not scheduled; only a scheduled job can be made due now`;
    throw new QueueError(found.state === 'QUEUED' || found.state === 'PROCESSING' ? 'BUSY' : 'NOT_FOUND', why);
  }
  const name = jobNameOf(found.state, found.entry);
  const from = path.join(ctx.layout.scheduled, found.entry);
  try {
    fs.renameSync(from, path.join(ctx.layout.queued, name));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') throw new QueueError('NOT_FOUND', `Job ${idOrName} left scheduled/ meanwhile (it fell due, or was requeued or deleted)`);
    throw fsFailure(`promoting ${name}`, err);
  }
  if (ctx.durable) fsyncDirs(ctx.layout.scheduled, ctx.layout.queued);
}

/** Requeues every job of `states`; returns how many. */
export function requeueAll(ctx: MaintenanceContext, states: readonly FinishedState[]): number {
  let n = 0;
  checkRealDir(ctx.layout.queued);
  for (const state of states) {
    checkRealDir(ctx.inspector.dirOf(state));
    for (const entry of ctx.inspector.entries(state)) {
      if (moveToQueued(ctx, state, entry, true)) n++;
    }
  }
  return n;
}

function moveToQueued(ctx: MaintenanceContext, state: ListableState, entry: string, raceOk = false): boolean {
  const name = jobNameOf(state, entry);
  const from = path.join(ctx.inspector.dirOf(state), entry);
  // The record goes first: a consumer may claim the job the moment it lands in queued/, and
  // must then find no record, so the attempt it runs as is the fresh count's first.
  const id = parseJobName(name)?.id;
  if (id) ctx.records.remove(id);
  try {
    fs.renameSync(fsPath(from), fsPath(path.join(ctx.layout.queued, name)));
  } catch (err) {
    if (raceOk && errnoOf(err) === 'ENOENT') return false;
    throw fsFailure(`requeueing ${displayName(name)}`, err);
  }
  if (ctx.durable) fsyncDirs(path.dirname(from), ctx.layout.queued);
  return true;
}

/**
 * Deletes finished jobs of `states` that finished more than `olderThanMs` ago;
 * returns how many. When a job finished is its entry's ctime: the rename into success/,
 * failed/ or interrupted/ sets it (Linux file systems update a renamed inode's ctime), and
 * so does the original's rename, so jobs it filed are aged alike, where a time in our
 * record would exist only for the jobs we filed (and we keep none for most successes).
 * The mtime is the payload's own, as old as the sender's file for a moved send. Anything
 * else that sets ctime (a chmod) makes a job look younger: kept longer, never deleted early.
 * Then what our writers left behind: tmp/ files of sends killed before their rename,
 * half-written records, and records whose job is in no folder any more (the original deleted
 * it), each over an hour old.
 */
export function cleanup(ctx: MaintenanceContext, states: readonly FinishedState[], olderThanMs: number): number {
  checkBound('olderThan', olderThanMs, BOUNDS.ageMs);
  const cutoff = Date.now() - olderThanMs;
  for (const dir of [...states.map((s) => ctx.inspector.dirOf(s)), ctx.layout.tmp, ctx.layout.meta]) checkRealDir(dir);
  let n = 0;
  for (const state of states) {
    const dir = ctx.inspector.dirOf(state);
    for (const entry of ctx.inspector.entries(state)) {
      const p = path.join(dir, entry);
      try {
        if (olderThanMs > 0 && fs.lstatSync(fsPath(p)).ctimeMs > cutoff) continue;
        // A state folder is a real directory of the queue (checked above), and rm -r does not follow links.
        fs.rmSync(fsPath(p), { recursive: true, force: true });
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') continue;
        throw fsFailure(`deleting ${displayName(p)}`, err);
      }
      const id = parseJobName(entry)?.id;
      if (id) ctx.records.remove(id);
      n++;
    }
  }
  removeStale(ctx.layout.tmp, isOurTmpName);
  removeStale(ctx.layout.meta, (name) => name.startsWith('.') && name.endsWith('.tmp'));
  removeOrphanRecords(ctx);
  return n;
}

/**
 * What our writers (and the original's) name in tmp/: a send's tmp/<uuid>, a lock-mode
 * consumer's tmp/owner-<token>. Nothing else there is ours: a project folder added as a queue
 * may have a tmp/ of its own.
 */
function isOurTmpName(name: string): boolean {
  if (isUuid(name)) return true;
  return name.startsWith('owner-') && OWNER_TOKEN.test(name.slice(6));
}

/** Records of jobs found in no state folder, written over an hour ago (so none is of a job in flight). */
function removeOrphanRecords(ctx: MaintenanceContext): void {
  const present = new Set<string>();
  for (const state of LISTABLE_STATES) for (const entry of ctx.inspector.entries(state)) present.add(idOfEntry(state, entry) ?? '');
  // A job may have moved between the listings above: a candidate is looked up afresh before its record goes.
  ctx.records.removeOrphans((id) => !present.has(id) && ctx.inspector.find(id) === undefined, STALE_TMP_MS);
}

/** Deletes one job that is not running; returns the state it was in. */
export function removeJob(ctx: MaintenanceContext, idOrName: string): ListableState {
  const found = ctx.inspector.find(idOrName);
  if (!found) throw new QueueError('NOT_FOUND', `No job ${idOrName} in this queue`);
  if (found.state === 'PROCESSING') throw new QueueError('BUSY', `Job ${idOrName} is running; stop its consumer first`);
  checkRealDir(ctx.inspector.dirOf(found.state));
  const p = path.join(ctx.inspector.dirOf(found.state), found.entry);
  try {
    fs.rmSync(fsPath(p), { recursive: true });
  } catch (err) {
    throw fsFailure(`deleting ${displayName(p)}`, err);
  }
  const id = parseJobName(jobNameOf(found.state, found.entry))?.id;
  if (id) ctx.records.remove(id);
  return found.state;
}

/** Unlinks the regular files of `dir` that `isScratch` names, over an hour old; never a folder, never through a link. */
function removeStale(dir: string, isScratch: (name: string) => boolean): void {
  const cutoff = Date.now() - STALE_TMP_MS;
  let names: string[];
  try {
    names = listNames(dir).filter(isScratch);
  } catch {
    return;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    try {
      const st = fs.lstatSync(fsPath(p));
      if (st.isFile() && st.mtimeMs < cutoff) fs.unlinkSync(fsPath(p));
    } catch {
      /* gone meanwhile */
    }
  }
}
