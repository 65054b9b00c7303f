/**
 * A state's jobs filtered and sorted, for a page of them: by name, failure reason, send
 * and finish time; sorted by send time (the listing's own order), finish time, name or
 * size. What a filter or sort needs beyond the names (a stat, a record) is read only for
 * the filters and sorts that need it (by send time or name: none), once per listing: a
 * state folder's listing is a new array each time the folder changes (FolderSnapshots),
 * and the facts are kept against that array; or, where the listings know each entry that
 * came or went (the worker's FolderIndex), once per entry for as long as it stays, so a
 * sort by finish time after one more finished job stats that job alone. That is sound
 * because a job's record is written before it enters a state folder and removed as it
 * leaves, so neither its payload nor its record changes while it stays.
 */
import * as fs from 'node:fs';
import { sentAtOf } from './jobId';
import { parseJobName, parseProcessingName, parseScheduledName, type ParsedJobName } from './jobName';
import { isFinished, type ListableState } from './policy';

export interface JobFilter {
  /** Part of the job's name (its id, or the sent file's name), any case. */
  nameContains?: string;
  /** Part of the last failure's reason, any case. */
  reasonContains?: string;
  /** Sent at or after / before, ms since the epoch (read from the UUIDv7 id). */
  sentAfter?: number;
  sentBefore?: number;
  /** Entered its finished state at or after / before, ms since the epoch. Jobs not finished never match. */
  finishedAfter?: number;
  finishedBefore?: number;
}

export type SortKey = 'sent' | 'finished' | 'name' | 'size';
export const SORT_KEYS: readonly SortKey[] = ['sent', 'finished', 'name', 'size'];

export interface QueryOptions {
  filter?: JobFilter;
  /** Default 'sent': the listing's own (id) order. */
  sort?: SortKey;
  /** 'asc' is oldest, smallest or A first. */
  order?: 'asc' | 'desc';
}

/** What a filter or sort reads of one job beyond its name. */
export interface JobFacts {
  size?: number;
  /** When it entered its state: a rename sets the entry's ctime, and finishing is a rename. */
  changedAt?: number;
}

export interface FactSource {
  /** Where the payload of `entry` is (inside its dir for a processing job). */
  payloadPathOf(state: ListableState, entry: string): string | undefined;
  reasonOf(id: string): string | undefined;
  /** Ids that have a record at all (most jobs that succeeded first time have none). */
  recordIds(): Set<string>;
  /** Facts kept across listings (FolderListings.facts), if the state's listings keep them. */
  keptFacts(state: ListableState): Map<string, JobFacts> | undefined;
}

/** The order a state is shown in when nobody chose one: waiting jobs as they run, finished ones most recently finished first. */
export function defaultSort(state: ListableState): { sort: SortKey; order: 'asc' | 'desc' } {
  return isFinished(state) ? { sort: 'finished', order: 'desc' } : { sort: 'sent', order: 'asc' };
}

export function isEmptyFilter(f: JobFilter | undefined): boolean {
  return !f || Object.values(f).every((v) => v === undefined || v === '');
}

export class JobQueries {
  /** Facts per listing array: dropped with the listing when the folder changes. */
  private readonly facts = new WeakMap<string[], Map<string, JobFacts>>();
  private readonly reasons = new WeakMap<string[], { withRecord: Set<string>; reasons: Map<string, string | undefined> }>();
  /** The last ordering asked of each listing: a tree's pages and a reveal ask the same one again and again. */
  private readonly lastOrdered = new WeakMap<string[], { key: string; ordered: string[] }>();

  constructor(private readonly source: FactSource) {}

  /** `entries` (the state's listing, in id order) filtered and sorted as asked. */
  ordered(state: ListableState, entries: string[], opts: QueryOptions): string[] {
    const key = JSON.stringify([opts.filter, opts.sort, opts.order]);
    const last = this.lastOrdered.get(entries);
    if (last?.key === key) return last.ordered;
    const ordered = this.order(state, entries, opts);
    this.lastOrdered.set(entries, { key, ordered });
    return ordered;
  }

  private order(state: ListableState, entries: string[], opts: QueryOptions): string[] {
    const sort = opts.sort ?? 'sent';
    const desc = opts.order === 'desc';
    const filter = isEmptyFilter(opts.filter) ? undefined : opts.filter!;
    const out = filter ? entries.filter((e) => this.matches(state, entries, e, filter)) : entries;
    if (sort === 'sent') return desc ? [...out].reverse() : out;
    const keyed = out.map((entry, i) => ({ i, key: this.sortKey(state, entries, entry, sort) }));
    // Ties go by id in the same direction (file times move in kernel ticks, so jobs finished
    // together share one), which keeps pages stable; unknowns sort last either way.
    keyed.sort((a, b) => {
      if (a.key === undefined || b.key === undefined) return a.key === b.key ? a.i - b.i : a.key === undefined ? 1 : -1;
      const c = a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i;
      return desc ? -c : c;
    });
    const sorted = out;
    return keyed.map((k) => sorted[k.i]);
  }

  private matches(state: ListableState, entries: string[], entry: string, f: JobFilter): boolean {
    const job = jobOf(state, entry);
    if (!job) return false;
    if (f.nameContains && !job.name.toLowerCase().includes(f.nameContains.toLowerCase())) return false;
    if (f.sentAfter !== undefined || f.sentBefore !== undefined) {
      const sent = sentAtOf(job.id)?.getTime();
      if (sent === undefined || !within(sent, f.sentAfter, f.sentBefore)) return false;
    }
    if (f.finishedAfter !== undefined || f.finishedBefore !== undefined) {
      const at = isFinished(state) ? this.factsOf(state, entries, entry).changedAt : undefined;
      if (at === undefined || !within(at, f.finishedAfter, f.finishedBefore)) return false;
    }
    if (f.reasonContains) {
      const reason = this.reasonOf(state, entries, job);
      if (!reason?.toLowerCase().includes(f.reasonContains.toLowerCase())) return false;
    }
    return true;
  }

  private sortKey(state: ListableState, entries: string[], entry: string, sort: SortKey): string | number | undefined {
    const job = jobOf(state, entry);
    if (!job) return undefined;
    if (sort === 'name') return (job.basename ?? job.id).toLowerCase();
    const facts = this.factsOf(state, entries, entry);
    return sort === 'size' ? facts.size : facts.changedAt;
  }

  /** A record is read only for a reason filter: most jobs have none, and each miss costs a failed open. */
  private reasonOf(state: ListableState, entries: string[], job: ParsedJobName): string | undefined {
    if (state === 'SUCCESS' || state === 'QUEUED') return undefined;
    let memo = this.reasons.get(entries);
    if (!memo) this.reasons.set(entries, (memo = { withRecord: this.source.recordIds(), reasons: new Map<string, string | undefined>() }));
    if (!memo.withRecord.has(job.id)) return undefined;
    if (!memo.reasons.has(job.id)) memo.reasons.set(job.id, this.source.reasonOf(job.id));
    return memo.reasons.get(job.id);
  }

  private factsOf(state: ListableState, entries: string[], entry: string): JobFacts {
    let memo = this.source.keptFacts(state) ?? this.facts.get(entries);
    if (!memo) this.facts.set(entries, (memo = new Map<string, JobFacts>()));
    let f = memo.get(entry);
    if (f) return f;
    f = {};
    const p = this.source.payloadPathOf(state, entry);
    if (p) {
      try {
        const st = fs.lstatSync(p);
        f.size = st.size;
        f.changedAt = st.ctimeMs;
      } catch {
        /* moved on meanwhile: unknown, sorted last */
      }
    }
    memo.set(entry, f);
    return f;
  }
}

function within(t: number, after: number | undefined, before: number | undefined): boolean {
  return (after === undefined || t >= after) && (before === undefined || t < before);
}

function jobOf(state: ListableState, entry: string): ParsedJobName | undefined {
  if (state === 'SCHEDULED') return parseScheduledName(entry)?.job;
  if (state === 'PROCESSING') return parseProcessingName(entry)?.job;
  return parseJobName(entry);
}
