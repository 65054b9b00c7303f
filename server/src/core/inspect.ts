import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoOf } from './errors';
import { sentAtOf } from './jobId';
import { dataJobName, idKey, parseJobName, parseProcessingName, parseScheduledName, type JobKind } from './jobName';
import { idOfEntry, jobEntriesOldestFirst } from './listingOrder';
import { FolderSnapshots } from './folderSnapshot';
import type { JobRecord, JobRecords } from './jobRecord';
import type { Layout } from './layout';
import { LISTABLE_STATES, type JobState, type ListableState } from './policy';

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
  ownerPid?: number;
  attempts: number;
  reason?: string;
}

export interface JobDetails extends JobInfo {
  record?: JobRecord;
}

export interface JobPage {
  state: ListableState;
  total: number;
  offset: number;
  jobs: JobInfo[];
}

export interface ListOptions {
  offset?: number;
  limit?: number;
  /** 'asc' is oldest first (the order consumers take them). */
  order?: 'asc' | 'desc';
}

export class Inspector {
  private readonly snapshots: FolderSnapshots;
  private readonly stateOfDir = new Map<string, ListableState>();

  constructor(
    private readonly layout: Layout,
    private readonly records: JobRecords,
  ) {
    for (const state of LISTABLE_STATES) this.stateOfDir.set(this.dirOf(state), state);
    this.snapshots = new FolderSnapshots((dir, names) => jobEntriesOldestFirst(this.stateOfDir.get(dir)!, names));
  }

  dirOf(state: ListableState): string {
    return this.layout.dirOf(state);
  }

  /** Entries of a state that are jobs, sorted oldest first. */
  entries(state: ListableState): string[] {
    return this.snapshots.names(this.dirOf(state));
  }

  count(state: ListableState): number {
    return this.entries(state).length;
  }

  list(state: ListableState, opts: ListOptions = {}): JobPage {
    const all = this.entries(state);
    const offset = Math.max(0, Math.floor(opts.offset ?? 0));
    const limit = Math.max(0, Math.floor(opts.limit ?? 100));
    const ordered =
      opts.order === 'desc' ? all.slice(Math.max(0, all.length - offset - limit), all.length - offset).reverse() : all.slice(offset, offset + limit);
    const jobs: JobInfo[] = [];
    for (const entry of ordered) {
      const info = this.describe(state, entry);
      if (info) jobs.push(info);
    }
    return { state, total: all.length, offset, jobs };
  }

  /** Finds a job by bare uuid, uuid prefix or job name. */
  find(idOrName: string): { state: ListableState; entry: string } | undefined {
    const key = idKey(idOrName);
    for (let tries = 0; tries < 2; tries++) {
      // In the order jobs move, so a job moving forward during the lookup is still found.
      for (const state of LISTABLE_STATES) {
        const entry = this.findIn(state, key);
        if (entry) return { state, entry };
      }
      // Not found anywhere: it may have moved backwards (a RETRY) while we looked; look once more.
    }
    return undefined;
  }

  status(idOrName: string): JobState {
    return this.find(idOrName)?.state ?? 'UNKNOWN';
  }

  details(idOrName: string): JobDetails | undefined {
    const found = this.find(idOrName);
    if (!found) return undefined;
    const info = this.describe(found.state, found.entry);
    if (!info) return undefined;
    return { ...info, record: this.readRecord(info.id) };
  }

  findIn(state: ListableState, key: string): string | undefined {
    const dir = this.dirOf(state);
    if (state === 'QUEUED' || state === 'SUCCESS' || state === 'FAILED' || state === 'INTERRUPTED') {
      // A data job's name is known from its id: one stat instead of a listing.
      const name = dataJobName(key);
      if (exists(path.join(dir, name))) return name;
    }
    for (const entry of this.entries(state)) {
      const id = idOfEntry(state, entry);
      if (id !== undefined && (id === key || id.startsWith(key) || entry.slice(4).startsWith(key))) return entry;
    }
    return undefined;
  }

  describe(state: ListableState, entry: string): JobInfo | undefined {
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
    let payloadPath = path.join(dir, entry);
    if (state === 'PROCESSING') payloadPath = path.join(payloadPath, job.kind === 'data' ? 'raw' : job.basename!);
    let size: number | undefined;
    try {
      size = fs.statSync(payloadPath).size;
    } catch {
      size = undefined; // moved on meanwhile, or a processing dir not yet filled
    }
    const rec =
      state === 'SUCCESS' || state === 'QUEUED' || state === 'FAILED' || state === 'INTERRUPTED' || state === 'SCHEDULED' ? this.readRecord(job.id) : undefined;
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
      attempts: rec?.attempts ?? 0,
      reason: state === 'SUCCESS' || state === 'QUEUED' ? undefined : rec?.reason,
    };
  }

  private readRecord(id: string): JobRecord | undefined {
    try {
      return this.records.read(id);
    } catch {
      return undefined;
    }
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENAMETOOLONG' || errnoOf(err) === 'ENOTDIR') return false;
    throw err;
  }
}
