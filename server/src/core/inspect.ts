import { decodeOwnerFile } from './ownerLease';
import { ownerKind } from './ownerLiveness';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sentAtOf } from './jobId';
import { parseJobName, parseProcessingName, parseScheduledName, type JobKind } from './jobName';
import { payloadOfNamedEntry } from './processingEntry';
import { idOfEntry, jobEntriesOldestFirst } from './listingOrder';
import { isEmptyFilter, JobQueries, type QueryOptions } from './jobQuery';
import { resolveJob, type JobRef } from './jobLookup';
import { FolderSnapshots, type FolderListings } from './folderSnapshot';
import { fsPath } from './fsName';
import { historyOf, type JobRecord, type JobRecords } from './jobRecord';
import type { Layout } from './layout';
import { LISTABLE_STATES, type JobState, type ListableState } from './policy';
import { readProgress, type JobProgress } from './progress';
import { readQueueFile } from './queueFile';

export interface JobInfo {
  id: string;
  name: string;
  state: ListableState;
  kind: JobKind;
  /** The original file name, for file jobs. */
  originalName?: string;
  /** Where the payload is now. */
  path: string;
  size?: number;
  sentAt?: number;
  /** Scheduled jobs: when they become due. */
  dueAt?: number;
  /** Processing jobs: the owner as written in the dir name (a pid or a lock token). */
  owner?: string;
  /** The owner's pid: the dir's suffix, or for a token what its owner file says (on `ownerHost`). */
  ownerPid?: number;
  /** Token owners: the host name their owner file gives. */
  ownerHost?: string;
  /** Token owners: their lease (ms), and how long ago their owner file was last rewritten, by its mtime (a display, not a verdict). */
  leaseMs?: number;
  heartbeatAgeMs?: number;
  attempts: number;
  reason?: string;
  /** Processing jobs: what the handler last reported of itself. */
  progress?: JobProgress;
}

export interface JobDetails extends JobInfo {
  record?: JobRecord;
}

export interface JobPage {
  state: ListableState;
  /** Jobs in the state (that match the filter, when one is given). */
  total: number;
  offset: number;
  jobs: JobInfo[];
  /** With a filter: every job of the state, matching or not. */
  unfiltered?: number;
  /** With `around`: where that job is in the whole ordered list, or -1 when it is not in it (moved, or filtered out). */
  index?: number;
}

export interface ListOptions extends QueryOptions {
  offset?: number;
  limit?: number;
  /** A job's id: the page is the one (of `limit` jobs) that holds it, and `offset` is ignored. */
  around?: string;
}

export class Inspector {
  private readonly snapshots: FolderListings;
  private readonly stateOfDir = new Map<string, ListableState>();
  private readonly queries: JobQueries;

  constructor(
    private readonly layout: Layout,
    private readonly records: JobRecords,
    /** Where the state folders' listings come from (default: FolderSnapshots, listed when a folder's mtime moves). */
    listings?: FolderListings,
  ) {
    for (const state of LISTABLE_STATES) this.stateOfDir.set(this.dirOf(state), state);
    this.snapshots = listings ?? new FolderSnapshots((dir, names) => jobEntriesOldestFirst(this.stateOfDir.get(dir)!, names));
    this.queries = new JobQueries({
      payloadPathOf: (state, entry) => this.payloadPathOf(state, entry),
      reasonOf: (id) => this.readRecord(id)?.reason,
      recordIds: () => this.records.ids(),
      // Not processing/'s: a claim's payload enters its dir after the dir is reported, and nothing reports that.
      keptFacts: (state) => (state === 'PROCESSING' ? undefined : this.snapshots.facts?.(this.dirOf(state))),
    });
  }

  dirOf(state: ListableState): string {
    return this.layout.dirOf(state);
  }

  /** Runs `fn` (a bulk action) with each state folder listed at most once; see FolderSnapshots.frozen. */
  batch<T>(fn: () => T): T {
    return this.snapshots.frozen(fn);
  }

  /** Entries of a state that are jobs, sorted oldest first. */
  entries(state: ListableState): string[] {
    return this.snapshots.names(this.dirOf(state));
  }

  count(state: ListableState): number {
    return this.entries(state).length;
  }

  /** A page of a state's jobs, filtered and sorted (by send time, oldest first, unless asked otherwise). */
  list(state: ListableState, opts: ListOptions = {}): JobPage {
    const all = this.entries(state);
    const limit = Math.max(0, Math.floor(opts.limit ?? 100));
    const ordered = this.queries.ordered(state, all, opts);
    let offset = Math.max(0, Math.floor(opts.offset ?? 0));
    let index: number | undefined;
    if (opts.around !== undefined) {
      index = ordered.findIndex((e) => idOfEntry(state, e) === opts.around);
      offset = index < 0 || limit === 0 ? 0 : index - (index % limit);
    }
    const jobs: JobInfo[] = [];
    const recorded = this.records.recorded();
    for (const entry of ordered.slice(offset, offset + limit)) {
      const info = this.describe(state, entry, recorded);
      if (info) jobs.push(info);
    }
    const page: JobPage = { state, total: ordered.length, offset, jobs };
    if (!isEmptyFilter(opts.filter)) page.unfiltered = all.length;
    if (index !== undefined) page.index = index;
    return page;
  }

  matchingIds(state: ListableState, opts: QueryOptions = {}): string[] {
    const ids: string[] = [];
    for (const entry of this.queries.ordered(state, this.entries(state), opts)) {
      const id = idOfEntry(state, entry);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  /** Where an entry's payload is: for a processing job, inside its dir or the entry itself (processingEntry.ts). */
  payloadPathOf(state: ListableState, entry: string): string | undefined {
    if (state === 'PROCESSING') return payloadOfNamedEntry(this.layout.processing, entry);
    return path.join(this.dirOf(state), entry);
  }

  /** The one job `idOrName` names (see jobLookup.ts for the forms); AMBIGUOUS when it names several. */
  find(idOrName: string): JobRef | undefined {
    return resolveJob(this, idOrName);
  }

  /** Whether `idOrName` names a job in `state`. */
  isIn(state: ListableState, idOrName: string): boolean {
    return resolveJob(this, idOrName, [state]) !== undefined;
  }

  status(idOrName: string): JobState {
    return this.find(idOrName)?.state ?? 'UNKNOWN';
  }

  details(idOrName: string): JobDetails | undefined {
    const found = this.find(idOrName);
    if (!found) return undefined;
    const info = this.describe(found.state, found.entry);
    if (!info) return undefined;
    const record = this.readRecord(info.id);
    // Records of older versions hold only their last run: historyOf makes that their history.
    return { ...info, record: record && { ...agreeingWithState(found.state, record), history: historyOf(record) } };
  }

  /** `recorded` says which ids have a record, for a page (most have none): the others are not opened. */
  describe(state: ListableState, entry: string, recorded: (id: string) => boolean = () => true): JobInfo | undefined {
    const dir = this.dirOf(state);
    let jobName = entry;
    let dueAt: number | undefined;
    let owner: string | undefined;
    if (state === 'SCHEDULED') {
      const s = parseScheduledName(entry);
      if (!s) return undefined;
      jobName = s.job.name;
      dueAt = s.due;
    } else if (state === 'PROCESSING') {
      const p = parseProcessingName(entry);
      if (!p) return undefined;
      jobName = p.job.name;
      owner = p.owner;
    }
    const job = parseJobName(jobName);
    if (!job) return undefined;
    const payloadPath = (state === 'PROCESSING' && payloadOfNamedEntry(dir, entry)) || path.join(dir, entry);
    let size: number | undefined;
    try {
      size = fs.statSync(fsPath(payloadPath)).size;
    } catch {
      size = undefined; // moved on meanwhile, or a processing dir not yet filled
    }
    const found = state !== 'PROCESSING' && recorded(job.id) ? this.readRecord(job.id) : undefined;
    const rec = found && agreeingWithState(state, found);
    return {
      id: job.id,
      name: job.name,
      state,
      kind: job.kind,
      originalName: job.basename,
      path: payloadPath,
      size,
      sentAt: sentAtOf(job.id)?.getTime(),
      dueAt,
      owner,
      ownerPid: owner && /^\d+$/.test(owner) ? Number(owner) : undefined,
      ...(owner && ownerKind(owner) === 'lock' ? this.ownerDetails(owner) : {}),
      attempts: rec?.attempts ?? 0,
      reason: state === 'SUCCESS' || state === 'QUEUED' ? undefined : rec?.reason,
      progress: state === 'PROCESSING' ? readProgress(this.layout, job.id) : undefined,
    };
  }

  /** Who holds a token, from owners/<token> (nothing when it is the original's or gone). */
  private ownerDetails(token: string): Pick<JobInfo, 'ownerPid' | 'ownerHost' | 'leaseMs' | 'heartbeatAgeMs'> {
    try {
      const file = path.join(this.layout.owners, token);
      const who = decodeOwnerFile(readQueueFile(file));
      if (!who) return {};
      return { ownerPid: who.pid, ownerHost: who.host, leaseMs: who.leaseMs, heartbeatAgeMs: Math.max(0, Date.now() - fs.statSync(file).mtimeMs) };
    } catch {
      return {};
    }
  }

  private readRecord(id: string): JobRecord | undefined {
    try {
      return this.records.read(id);
    } catch {
      return undefined;
    }
  }
}

/** The last result a record must say for its reason to be this state's. */
const RECORD_OF: Partial<Record<ListableState, JobRecord['lastResult']>> = { FAILED: 'FAILED', INTERRUPTED: 'INTERRUPTED' };

/**
 * A job's record as far as it agrees with the disk. Another program (the original) may have
 * run the job since we wrote it: a job in failed/ whose record says its last run was a RETRY
 * was failed by someone else, and the retry's reason is no reason for that failure. Such a
 * record keeps its attempt count and its history (what did happen); its last result, reason,
 * exit code and output are not shown as this state's.
 */
function agreeingWithState(state: ListableState, rec: JobRecord): JobRecord {
  const fits = RECORD_OF[state];
  if (fits === undefined || rec.lastResult === fits) return rec;
  return { attempts: rec.attempts, updatedAt: rec.updatedAt, history: rec.history };
}
