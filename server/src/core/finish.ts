import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDirs, removeDir } from './durability';
import { QueueError, errnoOf } from './errors';
import { fsPath } from './fsName';
import { scheduledName } from './jobName';
import { KeepPolicy, retryDelayFor, type RetryPolicy } from './policy';
import type { ClaimedJob } from './claim';
import type { FailureDetail, JobRecord, JobRecords } from './jobRecord';
import { entryPath, type Layout } from './layout';
import { ownerKind } from './ownerLiveness';

export interface FinishContext {
  layout: Layout;
  /** KeepPolicy bits: the finished states to keep. */
  keep: number;
  durable: boolean;
  records: JobRecords;
  retry: RetryPolicy;
}

/** `notStarted`: the handler could not start the job (JobNotStarted), so it goes back as it came. */
export type Outcome = { result: 'SUCCESS' | 'FAILED' | 'RETRY'; notStarted?: boolean } & FailureDetail;

/**
 * Where a job ended up: a state, or gone because the policy does not keep it; LOST when
 * another consumer took it over (it took us for dead) before we could file it.
 */
export type Filed = 'SUCCESS' | 'FAILED' | 'QUEUED' | 'SCHEDULED' | 'DELETED' | 'LOST';

export interface Filing {
  filed: Filed;
  /** Where the payload goes; none when the policy drops it. */
  dest?: string;
}

/**
 * Decides where the job goes and writes its record: the first step of filing a handled
 * job, run once per job, so a job seen in failed/ already has its reason. The move is
 * applyFiling's.
 */
export function planFiling(ctx: FinishContext, claimed: ClaimedJob, outcome: Outcome, startedAt?: number, attempt?: () => number): Filing {
  const { layout, records } = ctx;
  const { job } = claimed;
  // Not run, so not an attempt: back to queued/ with the record untouched.
  if (outcome.notStarted) return { filed: 'QUEUED', dest: entryPath(layout.queued, job.name) };
  if (outcome.result === 'SUCCESS') return keptOrDropped(ctx, claimed, 'SUCCESS');
  if (outcome.result === 'FAILED') {
    safeRecord(records, job.id, 'FAILED', outcome, startedAt, attempt);
    return keptOrDropped(ctx, claimed, 'FAILED');
  }
  const rec = safeRecord(records, job.id, 'RETRY', outcome, startedAt, attempt);
  const attempts = rec?.attempts ?? attempt?.() ?? 1;
  if (ctx.retry.maxAttempts > 0 && attempts >= ctx.retry.maxAttempts) {
    const reason = `gave up after ${attempts} attempts${outcome.reason ? `: ${outcome.reason}` : ''}`;
    if (rec)
      safeWrite(records, job.id, {
        ...rec,
        lastResult: 'FAILED',
        reason,
        history: rec.history?.map((r, i, all) => (i === all.length - 1 ? { ...r, result: 'FAILED', reason } : r)),
      });
    return keptOrDropped(ctx, claimed, 'FAILED');
  }
  const delay = retryDelayFor(ctx.retry, attempts);
  if (delay > 0) return { filed: 'SCHEDULED', dest: path.join(layout.scheduled, scheduledName(Date.now() + delay, job.name)) };
  return { filed: 'QUEUED', dest: entryPath(layout.queued, job.name) };
}

/** A finished job goes to its state folder if the keep policy keeps that state; else it (and its record) goes. */
function keptOrDropped(ctx: FinishContext, claimed: ClaimedJob, state: 'SUCCESS' | 'FAILED'): Filing {
  if (ctx.keep & KeepPolicy[state]) return { filed: state, dest: entryPath(state === 'SUCCESS' ? ctx.layout.success : ctx.layout.failed, claimed.job.name) };
  ctx.records.remove(claimed.job.id);
  return { filed: 'DELETED' };
}

/**
 * Files a handled job as planned (after planFiling wrote its record). The rename out of
 * processing/ is the commit point (a drop: the file form's unlink, the dir form's removal).
 * Dir form: the processing dir goes last; killed before the rename, a dead owner's dir that
 * recovery files under interrupted/; after it, an empty dir recovery removes. File form: the
 * rename is the last step; killed before it, a dead owner's file-form claim that our recovery
 * files under interrupted/; after it, nothing is left to clean. If the rename itself fails (a
 * full disk, say) the entry is left in place and the error thrown: the consumer keeps the
 * filing and calls again on its next receive, so the job is never lost nor run twice. Safe to
 * call again after it threw. Returns where the job went: as planned, unless the handler took
 * its payload away or another consumer took the job over.
 */
export function applyFiling(ctx: FinishContext, claimed: ClaimedJob, filing: Filing): Filing {
  const steps = filingSteps(ctx, claimed, filing);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    if (ctx.durable) fsyncDirs(...step.value);
  }
}

/**
 * applyFiling's steps, yielding the folders durable mode must have on disk before the next
 * step: applyFiling fsyncs them then and there; finishGrouped.ts shares each fsync with the
 * other jobs a consumer files at the same time.
 */
export function* filingSteps(ctx: FinishContext, claimed: ClaimedJob, filing: Filing): Generator<string[], Filing> {
  if (filing.dest) {
    try {
      fs.renameSync(fsPath(claimed.payload), fsPath(filing.dest));
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
      // Settled by looking: the rename's answer may be a lost reply's (NFS), or another's move.
      if (!fs.existsSync(fsPath(filing.dest)) && takenOver(ctx.layout, claimed)) return { filed: 'LOST' };
      // Moved on an earlier call that then failed at removing the dir (or at an fsync); or the handler took the payload away.
      if (!fs.existsSync(fsPath(filing.dest))) {
        if (!payloadGone(claimed)) throw err;
        filing = fileWithoutPayload(ctx, claimed, filing);
      }
    }
    // The job is filed once its new name is on disk; only then may its dir go.
    if (filing.dest) yield [claimed.form === 'dir' ? claimed.entry : ctx.layout.processing, path.dirname(filing.dest)];
    if (claimed.form === 'file') return filing; // the rename was the last step: no dir to remove
  } else if (claimed.form === 'file') {
    try {
      fs.unlinkSync(fsPath(claimed.entry));
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
      // Gone already: unlinked on an earlier call (that then failed at its fsync), taken over,
      // or removed by the handler. Gone is what a drop wants; only a taker's interrupted/ copy says LOST.
      if (fs.existsSync(fsPath(entryPath(ctx.layout.interrupted, claimed.job.name)))) return { filed: 'LOST' };
    }
  }
  if (claimed.form === 'dir') removeDir(claimed.entry);
  yield [ctx.layout.processing];
  return filing;
}

/**
 * Whether another consumer took the job from us: its sweep (which took us for dead) moves
 * the payload to interrupted/ (or drops it, per its policy) and, in the dir form, then
 * removes our dir; either sign says so. The one rename (or unlink) of the payload out of
 * processing/ decides between its sweep and our filing: exactly one wins.
 *
 * A file-form claim has no dir to tell a takeover from a handler that removed its payload.
 * Under a pid no consumer takes it over while we live (the original's sweeps skip files; ours
 * judge a live pid alive), so it was the handler; under a lock token (the owners whose
 * leases can run out) a gone payload is taken as a takeover: the taker's verdict stands.
 */
export function takenOver(layout: Layout, claimed: ClaimedJob): boolean {
  if (fs.lstatSync(fsPath(claimed.payload), { throwIfNoEntry: false })) return false;
  // No processing/ at all: not a sweep's doing but a queue that is not there now (a mount
  // point left without its network mount, while it is mounted again): ask again later.
  if (!fs.existsSync(layout.processing))
    throw new QueueError(
      'UNREACHABLE',
      `${layout.processing} is not there (a network mount gone?) while looking whether job ${claimed.job.name} was taken over`,
    );
  if (fs.existsSync(fsPath(entryPath(layout.interrupted, claimed.job.name)))) return true;
  return claimed.form === 'dir' ? !fs.existsSync(fsPath(claimed.entry)) : ownerKind(claimed.owner) === 'lock';
}

/** Our claim still stands and the payload is not there: the handler moved or deleted it. */
function payloadGone(claimed: ClaimedJob): boolean {
  if (claimed.form === 'file') return !fs.lstatSync(fsPath(claimed.payload), { throwIfNoEntry: false });
  return fs.existsSync(fsPath(claimed.entry)) && !fs.lstatSync(fsPath(claimed.payload), { throwIfNoEntry: false });
}

/**
 * A handler that moved its payload away (or deleted it) still answered for the job: the
 * job is filed in its result state as an empty file of its name, so status() and the
 * original see where it ended. There is nothing to run again, so a RETRY fails, saying why.
 * Creating the marker with 'wx' makes a second call (after a failed removeDir or fsync) a no-op.
 */
function fileWithoutPayload(ctx: FinishContext, claimed: ClaimedJob, filing: Filing): Filing {
  let final = filing;
  if (filing.filed === 'QUEUED' || filing.filed === 'SCHEDULED') {
    let rec: JobRecord | undefined;
    try {
      rec = ctx.records.read(claimed.job.id);
    } catch {
      rec = undefined; // see safeRecord
    }
    const reason = 'the handler asked for a retry, but its payload is gone from processing/ (moved or deleted by the handler): nothing left to retry';
    safeWrite(ctx.records, claimed.job.id, { attempts: rec?.attempts ?? 1, ...rec, lastResult: 'FAILED', reason, updatedAt: Date.now() });
    final = keptOrDropped(ctx, claimed, 'FAILED');
  }
  if (final.dest) {
    try {
      fs.writeFileSync(fsPath(final.dest), '', { flag: 'wx' });
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
  }
  return final;
}

// A record is worth having but never worth losing the job over (ENOSPC while writing it, say).
function safeRecord(records: JobRecords, id: string, result: 'RETRY' | 'FAILED', detail: FailureDetail, startedAt?: number, attempt?: () => number) {
  try {
    return records.recordRun(id, result, detail, startedAt, attempt?.());
  } catch {
    return undefined;
  }
}

function safeWrite(records: JobRecords, id: string, rec: Parameters<JobRecords['write']>[1]): void {
  try {
    records.write(id, rec);
  } catch {
    /* see safeRecord */
  }
}
