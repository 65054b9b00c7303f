import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoOf, fsFailure, isEntryFault, type QueueError } from './errors';
import { displayName, fsPath, listEntries, listNames } from './fsName';
import { parseProcessingName, payloadNameOf, type ParsedJobName } from './jobName';
import { KeepPolicy } from './policy';
import { fsyncDirs, removeDir } from './durability';
import type { JobRecords } from './jobRecord';
import { checkRealDir, type Layout } from './layout';
import { dirMadeMs, ownerKind, type OwnerLiveness } from './ownerLiveness';
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
 * Files the jobs of dead owners under interrupted/ (or drops them per policy). The rename
 * into interrupted/ is the commit point; if two sweepers race, one rename wins and the
 * other sees ENOENT. Entries that are not dirs or whose names do not parse are left alone,
 * as in the original.
 */
export function recoverStalled(ctx: RecoverContext): Recovered {
  const { layout, liveness } = ctx;
  const out: Recovered = { interrupted: [], cleared: 0 };
  liveness.beginSweep();
  if (!checkRealDir(layout.processing)) return out; // the queue was removed under us
  checkRealDir(layout.interrupted);
  const entries = listEntries(layout.processing);
  for (const { name, entry } of entries) {
    if (!entry.isDirectory()) continue;
    const parsed = parseProcessingName(name);
    // A suffix that is neither a pid nor a lock token is no claim (e.g. `fle-<id>-report.pdf`): left alone.
    if (!parsed || ownerKind(parsed.owner) === undefined) continue;
    try {
      recoverOne(ctx, parsed, path.join(layout.processing, name), out);
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

/** Files one dead owner's claim, `dir`, unless its owner lives. */
function recoverOne(ctx: RecoverContext, parsed: { job: ParsedJobName; owner: string }, dir: string, out: Recovered): void {
  const { layout, liveness } = ctx;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(fsPath(dir));
  } catch {
    return; // finished or recovered meanwhile
  }
  if (liveness.isAlive(parsed.owner, st)) return;
  let inside: string[];
  try {
    inside = listNames(dir);
  } catch {
    return;
  }
  // The payload, not a file its handler left beside it (readdir order is arbitrary, and
  // whatever is not moved out is deleted with the dir).
  const named = payloadNameOf(parsed.job);
  const payload = inside.includes(named) ? named : inside[0];
  if (payload === undefined) {
    removeDir(dir);
    out.cleared++;
    return;
  }
  const reason = interruptedReason(liveness, parsed.owner);
  if (ctx.keep & KeepPolicy.INTERRUPTED) {
    try {
      fs.renameSync(fsPath(path.join(dir, payload)), fsPath(path.join(layout.interrupted, parsed.job.name)));
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return; // another sweeper was first
      throw err;
    }
    try {
      ctx.records.recordRun(parsed.job.id, 'INTERRUPTED', { reason }, dirMadeMs(st));
    } catch {
      /* the job is safe; only its note is missing */
    }
  } else {
    ctx.records.remove(parsed.job.id);
  }
  removeDir(dir);
  clearProgress(layout, parsed.job.id);
  out.interrupted.push(parsed.job.name);
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
