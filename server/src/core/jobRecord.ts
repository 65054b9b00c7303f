import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { errnoOf, fsFailure, isEntryFault, type QueueError } from './errors';
import { fsPath, listNames } from './fsName';
import { NOT_REGULAR, readQueueFile } from './queueFile';
import { fsyncDirs, fsyncPath } from './durability';
import { FolderSnapshots } from './folderSnapshot';
import { lowerBound } from './lowerBound';

export type RunResult = 'FAILED' | 'RETRY' | 'INTERRUPTED';

/**
 * What the original never kept: how often a job ran and why it did not succeed. The
 * top-level fields describe the last run, as records written before `history` existed
 * do, so either version of ours reads the other's records.
 */
export interface JobRecord {
  attempts: number;
  lastResult?: RunResult;
  reason?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** The tail of the handler's output (stdout and stderr), when a command ran it. */
  output?: string;
  updatedAt: number;
  /** The last MAX_HISTORY runs, oldest first; absent in records of older versions (see historyOf). */
  history?: AttemptRecord[];
}

/** One run of a job that did not succeed. */
export interface AttemptRecord {
  /** 1 for the first run. */
  attempt: number;
  /** When the run was claimed (absent when unknown, as for records of older versions). */
  startedAt?: number;
  endedAt: number;
  result: RunResult;
  reason?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** The output's tail, shorter than the last run's: a job that fails a hundred times must not grow a record of megabytes. */
  output?: string;
}

/** What a handler may say beside its result. */
export interface FailureDetail {
  reason?: string;
  exitCode?: number | null;
  signal?: string | null;
  output?: string;
}

export const MAX_OUTPUT_CHARS = 64 * 1024;
/** Runs kept in a record's history; older ones are dropped (the count in `attempts` stays). */
export const MAX_HISTORY = 20;
/** Output kept per run of the history (the last run's full tail is in `output`). */
export const MAX_HISTORY_OUTPUT_CHARS = 4 * 1024;

/**
 * One small JSON file per job that ever failed, retried or was interrupted, under
 * `.pacchettino/meta/<uuid>.json`. Jobs that succeed first time cost nothing here.
 * Writes are write-to-temp + rename, so a reader never sees half a record.
 */
/**
 * A meta/ folder up to this size is listed for a page rather than its records opened one by
 * one. A folder's size grows with its entries on the file systems we know (ext4's blocks of
 * ~78 record names, btrfs's and XFS's bytes of names, tmpfs's 20 bytes an entry): 64 KiB is
 * about 1,000 records on ext4, whose listing costs what a page's 100 failed opens do. A folder
 * that once held many records stays large on ext4: it is then read record by record.
 */
export const SMALL_META_BYTES = 64 * 1024;

function isRecordName(name: string): boolean {
  return name.endsWith('.json') && !name.startsWith('.');
}

export class JobRecords {
  /** meta/'s record file names, sorted: listed by ids(), listed again there when its mtime moved. */
  private readonly listing = new FolderSnapshots((_dir, names) => names.filter(isRecordName).sort());

  constructor(
    private readonly dir: string,
    private readonly durable: boolean,
    /** Told of a record that could not be removed (a folder laid there by hand, say): the job goes on. */
    private readonly onWarning: (err: QueueError) => void = () => undefined,
  ) {}

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  read(id: string): JobRecord | undefined {
    let text: string;
    try {
      text = readQueueFile(this.file(id));
    } catch (err) {
      const code = errnoOf(err);
      // ELOOP, EISDIR, NOT_REGULAR: something laid there by hand is no record of ours.
      if (code === 'ENOENT' || code === 'ENAMETOOLONG' || code === 'ELOOP' || code === 'EISDIR' || code === NOT_REGULAR) return undefined;
      throw err;
    }
    try {
      const rec = JSON.parse(text) as JobRecord;
      return typeof rec.attempts === 'number' ? rec : undefined;
    } catch {
      return undefined; // a damaged record must not stop the job
    }
  }

  /** The ids that have a record: one listing (kept while meta/'s mtime stands), so a search by reason reads only the records there are. */
  ids(): Set<string> {
    let names: string[];
    try {
      names = this.listing.names(this.dir);
    } catch {
      return new Set();
    }
    return new Set(names.map((n) => n.slice(0, -5)));
  }

  /**
   * Which ids may have a record, for describing a page of jobs, most of which have none: the
   * listing of meta/, while its mtime shows it current or while the folder is small enough
   * (SMALL_META_BYTES) that listing it again costs less than the page's failed opens; else
   * every id may (its record is opened, a miss costing a failed open: 100 of them cost less
   * than listing 100,000 records again after each write, on a busy queue nearly every page).
   * Exact as the listing is: a record is written before its job enters a state folder.
   */
  recorded(): (id: string) => boolean {
    const names = this.listing.current(this.dir) ?? this.smallListing();
    if (!names) return () => true;
    return (id) => {
      const name = `${id}.json`;
      return names[lowerBound(names, (n) => n < name)] === name;
    };
  }

  /** meta/ listed afresh if its size says it is small (see SMALL_META_BYTES); else undefined. */
  private smallListing(): string[] | undefined {
    try {
      return fs.statSync(fsPath(this.dir)).size <= SMALL_META_BYTES ? this.listing.names(this.dir) : undefined;
    } catch {
      return undefined; // no meta/ to go by: each record is looked for
    }
  }

  attempts(id: string): number {
    return this.read(id)?.attempts ?? 0;
  }

  /**
   * Records a run that ended in `result`; `startedAt` is when it was claimed, if known; `attempt`
   * is the run's number when the caller knows it (the one its handler was told), else one more
   * than the record says.
   */
  recordRun(id: string, result: RunResult, detail: FailureDetail = {}, startedAt?: number, attempt?: number): JobRecord {
    const prev = this.read(id);
    const now = Date.now();
    const attempts = attempt ?? (prev?.attempts ?? 0) + 1;
    const run: AttemptRecord = {
      attempt: attempts,
      startedAt,
      endedAt: now,
      result,
      reason: detail.reason,
      exitCode: detail.exitCode,
      signal: detail.signal,
      output: detail.output !== undefined ? tail(detail.output, MAX_HISTORY_OUTPUT_CHARS) : undefined,
    };
    const rec: JobRecord = {
      attempts,
      lastResult: result,
      reason: detail.reason,
      exitCode: detail.exitCode,
      signal: detail.signal,
      output: detail.output !== undefined ? tail(detail.output, MAX_OUTPUT_CHARS) : undefined,
      updatedAt: now,
      history: [...(prev ? historyOf(prev) : []), run].slice(-MAX_HISTORY),
    };
    this.write(id, rec);
    return rec;
  }

  write(id: string, rec: JobRecord): void {
    const tmp = path.join(this.dir, `.${id}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      fs.writeFileSync(fsPath(tmp), JSON.stringify(rec));
      if (this.durable) fsyncPath(tmp);
      fs.renameSync(fsPath(tmp), fsPath(this.file(id)));
      if (this.durable) fsyncDirs(this.dir);
    } catch (err) {
      fs.rmSync(fsPath(tmp), { force: true });
      throw err;
    }
  }

  /** Removes a job's record. A record that is not a file of ours (a folder laid there by hand) costs a warning, not the job. */
  remove(id: string): void {
    const file = this.file(id);
    try {
      // unlink, never a recursive remove: a folder by that name is not ours to delete.
      fs.unlinkSync(fsPath(file));
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENAMETOOLONG') return;
      if (!isEntryFault(err) && errnoOf(err) !== 'EPERM') throw err;
      this.onWarning(fsFailure(`removing the record ${file} (left in place; it is not a file this queue wrote, or it cannot be removed)`, err));
    }
  }

  /**
   * Removes records whose job is in no state folder any more (the original deleted it: its
   * cleanup, or its keep NONE), last written over `minAgeMs` ago so no record of a job in
   * flight is taken. `isGone` is asked per candidate; it must look the job up afresh.
   */
  removeOrphans(isGone: (id: string) => boolean, minAgeMs: number): number {
    const cutoff = Date.now() - minAgeMs;
    let n = 0;
    let names: string[];
    try {
      names = listNames(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const id = name.slice(0, -5);
      const file = path.join(this.dir, name);
      try {
        const st = fs.lstatSync(fsPath(file));
        if (!st.isFile() || st.mtimeMs > cutoff || !isGone(id)) continue;
        fs.unlinkSync(fsPath(file));
        n++;
      } catch {
        /* gone meanwhile, or not ours to judge */
      }
    }
    return n;
  }
}

function tail(s: string, max: number): string {
  return s.length > max ? '…' + s.slice(s.length - max) : s;
}

/**
 * A record's runs, oldest first. A record written before `history` existed knows only its
 * last run, which its top-level fields describe: that run is its history.
 */
export function historyOf(rec: JobRecord): AttemptRecord[] {
  if (Array.isArray(rec.history)) return rec.history;
  if (!rec.lastResult) return [];
  return [
    {
      attempt: rec.attempts,
      endedAt: rec.updatedAt,
      result: rec.lastResult,
      reason: rec.reason,
      exitCode: rec.exitCode,
      signal: rec.signal,
      output: rec.output !== undefined ? tail(rec.output, MAX_HISTORY_OUTPUT_CHARS) : undefined,
    },
  ];
}
