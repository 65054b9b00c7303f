import * as fs from 'node:fs';
import { errnoOf } from './errors';
import { parseJobName, processingName, type ParsedJobName } from './jobName';
import { claimFormFor, payloadOfEntry, type ClaimForm } from './processingEntry';
import { ownerKind } from './ownerLiveness';
import { fsyncDirs } from './durability';
import { entryPath, type Layout } from './layout';
import { fsPath } from './fsName';

export interface ClaimedJob {
  job: ParsedJobName;
  /** processing/<job name>.<owner>: a dir holding the payload, or (the file form) the payload itself */
  entry: string;
  /** the payload: inside the dir (raw, or the original basename), or the entry itself */
  payload: string;
  form: ClaimForm;
  /** the `.<owner>` suffix it was claimed under: a pid or a lock token */
  owner: string;
}

/**
 * Claims queued/<name> for `owner`, in the form claimFormFor picks (see processingEntry.ts);
 * undefined when the job is not (or no longer) there to take. A crash anywhere in here leaves
 * the job either still queued or claimed by a dead owner, which recovery files under
 * interrupted/: never both, never neither.
 */
export function claim(layout: Layout, name: string, owner: string, durable: boolean): ClaimedJob | undefined {
  const job = parseJobName(name);
  if (!job) return undefined;
  return claimFormFor(job) === 'file' ? claimAsFile(layout, job, owner, durable) : claimAsDir(layout, job, owner, durable);
}

/**
 * The file form, one step: rename queued/<job> to processing/<job>.<owner>. The rename is the
 * lock and the commit point at once: among consumers (ours or the original's, other processes
 * or threads of this one) only one rename of queued/<job> succeeds, the others get ENOENT. Killed before it, the job is queued; after
 * it, the payload is a dead owner's file-form claim, filed under interrupted/ by our recovery
 * (the original's skips it, as it skips every non-directory). The target name cannot be
 * taken: the job is in one place only, so no other claim of it exists, and an original's
 * claim dir of the same name (its pid equal to ours, from another PID namespace) makes the
 * rename fail with EISDIR or ENOTEMPTY, which loses the claim like ENOENT.
 */
function claimAsFile(layout: Layout, job: ParsedJobName, owner: string, durable: boolean): ClaimedJob | undefined {
  const entry = entryPath(layout.processing, processingName(job.name, owner));
  const claimed: ClaimedJob = { job, entry, payload: entry, form: 'file', owner };
  try {
    fs.renameSync(fsPath(entryPath(layout.queued, job.name)), fsPath(entry));
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return lostReplyClaimed(claimed) ? synced(layout, claimed, durable) : undefined;
    // The name is another's claim dir (see above); or it has no room for the suffix (a name
    // put in queued/ by hand): no consumer can claim it, it stays queued.
    if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENAMETOOLONG') return undefined;
    throw err;
  }
  return synced(layout, claimed, durable);
}

/**
 * Whether a file-form claim that answered ENOENT happened all the same. Over NFS a rename
 * whose reply was lost is retried and answers ENOENT although it happened: settled by looking.
 * Only under a lock token, which one consumer alone claims under: a regular file of that name
 * can only be there by its own rename. A pid is shared by every consumer of one process (worker
 * threads, two queue objects), whose claims of one job race exactly here: the loser's ENOENT is
 * a loss, and the winner's file must not read as the loser's. Pid owners are on local queues
 * only (a shared one always claims under tokens, sharedFs.ts), where no reply is lost.
 */
function lostReplyClaimed(claimed: ClaimedJob): boolean {
  return ownerKind(claimed.owner) === 'lock' && fs.lstatSync(fsPath(claimed.entry), { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * The dir form (file jobs: the handler's path keeps the file's own name), two steps. mkdir
 * processing/<job>.<owner> is the lock among threads of one owner; renaming queued/<job>
 * into it is the commit point among processes. Killed between them: an empty dir that
 * recovery removes, the job still queued; after the rename: the payload inside a dead
 * owner's dir, which recovery (ours or the original's) files under interrupted/.
 */
function claimAsDir(layout: Layout, job: ParsedJobName, owner: string, durable: boolean): ClaimedJob | undefined {
  const entry = entryPath(layout.processing, processingName(job.name, owner));
  try {
    fs.mkdirSync(fsPath(entry));
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return undefined; // a sibling thread holds it
    // A name put in queued/ by hand with no room for the ".<owner>" suffix: no consumer can
    // claim it; it is skipped (left queued), not a reason to stop consuming.
    if (errnoOf(err) === 'ENAMETOOLONG') return undefined;
    throw err;
  }
  const claimed: ClaimedJob = { job, entry, payload: payloadOfEntry(entry, job, 'dir'), form: 'dir', owner };
  try {
    fs.renameSync(fsPath(entryPath(layout.queued, job.name)), fsPath(claimed.payload));
  } catch (err) {
    // Settled by looking (see claimAsFile): the payload in our own dir can only be there by our rename.
    if (errnoOf(err) === 'ENOENT' && fs.lstatSync(fsPath(claimed.payload), { throwIfNoEntry: false })) return synced(layout, claimed, durable);
    try {
      fs.rmdirSync(fsPath(entry));
    } catch (rmErr) {
      // Already gone: a sweeper that took us for dead removed it (the original in pid mode
      // from another PID namespace, say). The job was not ours either way; carry on.
      if (errnoOf(rmErr) !== 'ENOENT') throw rmErr;
    }
    if (errnoOf(err) === 'ENOENT') return undefined; // another consumer won
    throw err;
  }
  return synced(layout, claimed, durable);
}

/** Durable: the claim is on disk (gone from queued/, in processing/) before any handler runs. */
function synced(layout: Layout, claimed: ClaimedJob, durable: boolean): ClaimedJob {
  if (durable) fsyncDirs(...claimDirs(layout, claimed));
  return claimed;
}

/**
 * The folders a claim changed, which durable mode has on disk before the handler starts (a
 * crash then leaves the job in a dead owner's claim, for recovery, not back in queued/ to run
 * again). claim(…, durable: false) leaves them to a caller that shares the fsyncs (consumer.ts).
 */
export function claimDirs(layout: Layout, claimed: Pick<ClaimedJob, 'entry' | 'form'>): string[] {
  return claimed.form === 'dir' ? [layout.queued, claimed.entry, layout.processing] : [layout.queued, layout.processing];
}
