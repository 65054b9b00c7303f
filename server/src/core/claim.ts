import * as fs from 'node:fs';
import { errnoOf } from './errors';
import { parseJobName, payloadNameOf, processingName, type ParsedJobName } from './jobName';
import { fsyncDirs } from './durability';
import { checkRealDir, entryPath, type Layout } from './layout';
import { fsPath, listNames } from './fsName';
import { byId, isJobEntry } from './listingOrder';

export interface ClaimedJob {
  job: ParsedJobName;
  /** processing/<job name>.<owner> */
  dir: string;
  /** the payload inside it: raw, or the original basename */
  payload: string;
}

/**
 * Claiming is two steps. mkdir processing/<job>.<owner> is the lock among threads of
 * one owner; renaming queued/<job> into it is the commit point among processes.
 * A crash between them leaves an empty dir that recovery removes, the job still queued;
 * a crash after the rename leaves the payload inside a dir of a dead owner, which
 * recovery files under interrupted/.
 */
export function claim(layout: Layout, name: string, owner: string, durable: boolean): ClaimedJob | undefined {
  const job = parseJobName(name);
  if (!job) return undefined;
  const dir = entryPath(layout.processing, processingName(name, owner));
  try {
    fs.mkdirSync(fsPath(dir));
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return undefined; // a sibling thread holds it
    // A name put in queued/ by hand with no room for the ".<owner>" suffix: no consumer
    // can claim it; it is skipped (left queued), not a reason to stop consuming.
    if (errnoOf(err) === 'ENAMETOOLONG') return undefined;
    throw err;
  }
  const payload = entryPath(dir, payloadNameOf(job));
  try {
    fs.renameSync(fsPath(entryPath(layout.queued, name)), fsPath(payload));
  } catch (err) {
    // Settled by looking: over NFS a rename whose reply was lost is retried and answers
    // ENOENT although it happened. The payload in our own dir can only be there by our rename.
    if (errnoOf(err) === 'ENOENT' && fs.lstatSync(fsPath(payload), { throwIfNoEntry: false })) {
      if (durable) fsyncDirs(...claimDirs(layout, { dir }));
      return { job, dir, payload };
    }
    try {
      fs.rmdirSync(fsPath(dir));
    } catch (rmErr) {
      // Already gone: a sweeper that took us for dead removed it (the original in pid mode
      // from another PID namespace, say). The job was not ours either way; carry on.
      if (errnoOf(rmErr) !== 'ENOENT') throw rmErr;
    }
    if (errnoOf(err) === 'ENOENT') return undefined; // another consumer won
    throw err;
  }
  if (durable) fsyncDirs(...claimDirs(layout, { dir }));
  return { job, dir, payload };
}

/**
 * The folders a claim changed, which durable mode has on disk before the handler starts (a
 * crash then leaves the job in a dead owner's dir, for recovery, not back in queued/ to run
 * again). claim(…, durable: false) leaves them to a caller that shares the fsyncs (consumer.ts).
 */
export function claimDirs(layout: Layout, claimed: Pick<ClaimedJob, 'dir'>): string[] {
  return [layout.queued, claimed.dir, layout.processing];
}

/** How many of the oldest names a contended oldest-first consumer picks among. */
const HEAD_WINDOW = 16;

/**
 * The queued/ names one consumer works through. One directory listing serves many
 * claims, so draining N jobs one at a time reads the folder O(1) times per batch
 * rather than once per job.
 *
 * With other consumers on the queue, more and more of a listing's names are taken by
 * them, and a failed claim costs a mkdir and an rmdir (with four consumers, three failed
 * claims per job). So once a claim from this listing has been lost, each name is looked
 * up before it is handed out: an lstat is far cheaper than the mkdir it saves. A consumer
 * alone never loses a claim and never pays for the lookup.
 */
export class QueuedCursor {
  private names: string[] = [];
  private pos = 0;
  private contended = false;
  private oldestFirst = false;

  constructor(private readonly layout: Layout) {}

  /** Lists queued/ afresh; returns how many job names it holds. */
  refill(randomize: boolean): number {
    // Where claimed jobs come from and go to must be the queue's own folders (see checkRealDir).
    for (const dir of [this.layout.queued, this.layout.processing, this.layout.success, this.layout.failed]) checkRealDir(dir);
    // What each entry is, the listing cannot promise (it may be swapped before the claim):
    // callHandler checks the claimed payload itself.
    const names = listNames(this.layout.queued).filter(isJobEntry);
    if (randomize) shuffle(names);
    else names.sort(byId);
    this.names = names;
    this.pos = 0;
    this.contended = false;
    this.oldestFirst = !randomize;
    return names.length;
  }

  next(): string | undefined {
    while (this.pos < this.names.length) {
      if (this.contended && this.oldestFirst) this.spreadHead();
      const name = this.names[this.pos++];
      if (!this.contended || fs.lstatSync(fsPath(entryPath(this.layout.queued, name)), { throwIfNoEntry: false })) return name;
    }
    return undefined;
  }

  /**
   * Consumers taking the oldest first all go for the same few names, and all but one of
   * them lose each time. Once contended, take one of the next HEAD_WINDOW names at random
   * instead: still among the oldest, and consumers seldom pick the same one.
   */
  private spreadHead(): void {
    const j = this.pos + Math.floor(Math.random() * Math.min(HEAD_WINDOW, this.names.length - this.pos));
    [this.names[this.pos], this.names[j]] = [this.names[j], this.names[this.pos]];
  }

  /** A claim of a name from this listing failed: another consumer is taking them too. */
  lost(): void {
    this.contended = true;
  }

  get exhausted(): boolean {
    return this.pos >= this.names.length;
  }

  /** Forget the listing: after a watch event, say, when order matters. */
  invalidate(): void {
    this.pos = this.names.length;
  }
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}
