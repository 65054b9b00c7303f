import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoOf, fsFailure, isEntryFault, type QueueError } from './errors';
import { displayName, fsPath, listEntries, listNames } from './fsName';
import { payloadNameOf, type ParsedJobName } from './jobName';
import { KeepPolicy } from './policy';
import { fsyncDirs, removeDir } from './durability';
import type { JobRecords } from './jobRecord';
import { checkRealDir, type Layout } from './layout';
import { claimMadeMs, ownerKind, type OwnerLiveness } from './ownerLiveness';
import { claimOf, type ProcessingEntry } from './processingEntry';
import { clearProgress } from './progress';
import { pruneRegistrations } from './consumers';
import { selfIdentity } from './hostIdentity';
import { recordInterrupted } from './history';

export interface RecoverContext {
  layout: Layout;
  keep: number;
  durable: boolean;
  records: JobRecords;
  liveness: OwnerLiveness;
  /** Told of an entry that could not be recovered; the sweep goes on. */
  warn(err: QueueError): void;
}

export interface Recovered {
  /** Job names moved to interrupted/ (or dropped, per policy). */
  interrupted: string[];
  /** Empty dirs of dead owners removed: crashes before the claim's rename or after the finish's. */
  cleared: number;
  /** Owners on other machines whose jobs were left alone because their lease has not yet run out as we watched it. */
  watching?: number;
}

/** Owner files of dead consumers are removed only when this old, so a consumer between creating and locking its file is safe. */
const OWNER_FILE_GRACE_MS = 60_000;

/**
 * Files the jobs of dead owners under interrupted/ (or drops them per policy), in either
 * claim form (processingEntry.ts). The rename into interrupted/ is the commit point; if two
 * sweepers race, or a sweep races the owner's own filing, one rename wins and the other sees
 * ENOENT. Entries that are no claim (links, FIFOs, names that do not parse, file-form names
 * of file jobs) are left alone, as the original leaves whatever is not a claim dir.
 */
export function recoverStalled(ctx: RecoverContext): Recovered {
  const { layout, liveness } = ctx;
  const out: Recovered = { interrupted: [], cleared: 0 };
  liveness.beginSweep();
  if (!checkRealDir(layout.processing)) return out; // the queue was removed under us
  checkRealDir(layout.interrupted);
  const entries = listEntries(layout.processing);
  for (const { name, entry } of entries) {
    const claim = claimOf(name, entry);
    if (!claim) continue;
    try {
      recoverOne(ctx, claim, path.join(layout.processing, name), out);
    } catch (err) {
      // One entry that cannot be filed (its name taken in interrupted/ by a folder laid there
      // by hand, say) costs that entry, not the sweep: it stays in processing/, and says why.
      if (!isEntryFault(err)) throw err;
      ctx.warn(fsFailure(`recovering ${displayName(name)} of a dead consumer (it stays in processing/)`, err));
    }
  }
  if (ctx.durable && out.interrupted.length + out.cleared > 0) fsyncDirs(layout.processing, layout.interrupted);
  if (liveness.onLease.size > 0) out.watching = liveness.onLease.size;
  removeDeadOwnerFiles(ctx);
  pruneRegistrations(layout, liveness);
  recordInterrupted(layout, out.interrupted.length);
  return out;
}

/**
 * Files one dead owner's claim at `entry`, unless its owner lives. A kill -9 of this sweeper
 * at any step: before the rename the claim is still there for the next sweep; after it the job
 * is in interrupted/ (its note or the dir's removal may be missing: an empty dir the next sweep
 * clears). The file form has no dir: the rename (or, dropped, the unlink) is its only step.
 */
function recoverOne(ctx: RecoverContext, claim: ProcessingEntry, entry: string, out: Recovered): void {
  const { layout, liveness } = ctx;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(fsPath(entry));
  } catch {
    return; // finished or recovered meanwhile
  }
  // Swapped for another kind of entry since the listing: the next sweep reads it afresh.
  if ((claim.form === 'dir') !== st.isDirectory()) return;
  if (liveness.isAlive(claim.owner, st)) return;
  const payload = claim.form === 'file' ? entry : payloadInDir(claim.job, entry);
  if (payload === null) return; // cannot list it (gone meanwhile): the next sweep looks again
  if (payload === undefined) {
    removeDir(entry);
    out.cleared++;
    return;
  }
  const reason = interruptedReason(liveness, claim.owner);
  if (ctx.keep & KeepPolicy.INTERRUPTED) {
    try {
      fs.renameSync(fsPath(payload), fsPath(path.join(layout.interrupted, claim.job.name)));
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return; // another sweeper was first, or the owner filed it
      throw err;
    }
    try {
      ctx.records.recordRun(claim.job.id, 'INTERRUPTED', { reason }, claimMadeMs(st));
    } catch {
      /* the job is safe; only its note is missing */
    }
  } else {
    if (claim.form === 'file') {
      try {
        fs.unlinkSync(fsPath(entry));
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') return; // see above
        throw err;
      }
    }
    ctx.records.remove(claim.job.id);
  }
  if (claim.form === 'dir') removeDir(entry);
  clearProgress(layout, claim.job.id);
  out.interrupted.push(claim.job.name);
}

/**
 * The payload in a claim dir, not a file its handler left beside it (readdir order is
 * arbitrary, and whatever is not moved out is deleted with the dir); undefined when empty,
 * null when it cannot be listed.
 */
function payloadInDir(job: ParsedJobName, dir: string): string | undefined | null {
  let inside: string[];
  try {
    inside = listNames(dir);
  } catch {
    return null;
  }
  const named = payloadNameOf(job);
  const payload = inside.includes(named) ? named : inside[0];
  return payload === undefined ? undefined : path.join(dir, payload);
}

function removeDeadOwnerFiles(ctx: RecoverContext): void {
  let tokens: string[];
  try {
    tokens = fs.readdirSync(ctx.layout.owners);
  } catch {
    return;
  }
  const now = Date.now();
  for (const token of tokens) {
    const file = path.join(ctx.layout.owners, token);
    try {
      if (ownerKind(token) !== 'lock') continue; // not an owner file
      const st = fs.lstatSync(file);
      // Only a regular file can be an owner file of ours; anything else is not ours to remove.
      if (!st.isFile()) continue;
      // Ours appear in owners/ already locked, and their verdict uses no file time; the
      // original's are judged by a lock that it may not have taken yet.
      if (ctx.liveness.isAlive(token, st)) continue;
      if (ctx.liveness.identityOf(token) === undefined && now - st.mtimeMs < OWNER_FILE_GRACE_MS) continue;
      fs.unlinkSync(file);
      ctx.liveness.forget(token);
    } catch {
      /* gone meanwhile */
    }
  }
}

/** Why a job is in interrupted/: whose it was, why we took it for dead, who took it and when (the job's record keeps it). */
function interruptedReason(liveness: OwnerLiveness, owner: string): string {
  const me = selfIdentity();
  const by = `taken over by ${me.host} (pid ${me.pid}) at ${new Date().toISOString()}`;
  if (ownerKind(owner) === 'pid') return `interrupted: its consumer (pid ${owner}) died while running it; ${by}`;
  const who = liveness.identityOf(owner);
  if (!who) return `interrupted: its consumer (lock ${owner}) died while running it; ${by}`;
  const age = liveness.leaseAge(owner);
  const why =
    age !== undefined && age > who.leaseMs
      ? `stopped renewing its lease (unchanged for ${(age / 1000).toFixed(1)} s, lease ${(who.leaseMs / 1000).toFixed(1)} s)`
      : 'died while running it';
  return `interrupted: its consumer (lock ${owner} on ${who.host}, pid ${who.pid}) ${why}; ${by}`;
}
