import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, errnoOf, fsFailure } from './errors';
import { LISTABLE_STATES, type ListableState } from './policy';

/** The state folders the original lists. Everything of ours lives under EXTRA_DIR, which it never opens. */
export const STATE_DIRS = ['queued', 'processing', 'success', 'failed', 'interrupted', 'tmp', 'scheduled', 'owners'] as const;

/** The folders the original creates when it opens a queue: a folder without them is not a queue yet. */
const ORIGINAL_DIRS = STATE_DIRS.slice(0, 6);

/** Our own state (attempts, failure reasons): a dot-folder, so neither the original nor `ls` trips on it. */
export const EXTRA_DIR = '.pacchettino';

const FOLDER_OF = {
  SCHEDULED: 'scheduled',
  QUEUED: 'queued',
  PROCESSING: 'processing',
  SUCCESS: 'success',
  FAILED: 'failed',
  INTERRUPTED: 'interrupted',
} as const satisfies Record<ListableState, (typeof STATE_DIRS)[number]>;

export class Layout {
  readonly base: string;
  readonly queued: string;
  readonly processing: string;
  readonly success: string;
  readonly failed: string;
  readonly interrupted: string;
  readonly tmp: string;
  readonly scheduled: string;
  readonly owners: string;
  readonly meta: string;
  /** Our own state folder (EXTRA_DIR); consumers watch it to hear a pause or a resume at once. */
  readonly extra: string;
  /** Exists while the queue is paused (see pause.ts). */
  readonly paused: string;
  /** `<uuid>` files: the last progress line a running job's handler reported (see progress.ts). */
  readonly progress: string;
  /** One `<host>.<pid>.json` per consumer of ours while it runs: who it is and what it runs (see consumers.ts). */
  readonly consumers: string;
  /** Per-minute tallies of finished jobs and the queue's depth (see history.ts). */
  readonly history: string;
  /** BootTime's note of the earliest boot time seen, per boot id. */
  readonly boot: string;

  constructor(base: string) {
    this.base = path.resolve(base);
    this.queued = path.join(this.base, 'queued');
    this.processing = path.join(this.base, 'processing');
    this.success = path.join(this.base, 'success');
    this.failed = path.join(this.base, 'failed');
    this.interrupted = path.join(this.base, 'interrupted');
    this.tmp = path.join(this.base, 'tmp');
    this.scheduled = path.join(this.base, 'scheduled');
    this.owners = path.join(this.base, 'owners');
    this.extra = path.join(this.base, EXTRA_DIR);
    this.meta = path.join(this.extra, 'meta');
    this.paused = path.join(this.extra, 'paused');
    this.progress = path.join(this.extra, 'progress');
    this.history = path.join(this.extra, 'history');
    this.consumers = path.join(this.extra, 'consumers');
    this.boot = path.join(this.extra, 'boot');
  }

  /** The folder a state's jobs are in. */
  dirOf(state: ListableState): string {
    return this[FOLDER_OF[state]];
  }

  /** The folders of the states jobs are in, in the order jobs move through them. */
  stateFolders(): string[] {
    return LISTABLE_STATES.map((s) => this.dirOf(s));
  }

  /**
   * Checks, creating nothing, that the base already is a queue: a directory holding the
   * folders the original makes. For read-only users, so a mistyped path is an error and
   * not a new empty queue.
   */
  verify(): void {
    const isDir = (p: string) => {
      try {
        return fs.statSync(p).isDirectory();
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') return false;
        if (errnoOf(err) === 'ENOTDIR' && p === this.base) {
          throw new QueueError('NOT_A_DIRECTORY', `Queue path ${this.base} is inside a file, not a directory: check the path`);
        }
        if (errnoOf(err) === 'ENOTDIR') return false;
        throw fsFailure(`opening queue ${this.base}`, err);
      }
    };
    if (!isDir(this.base)) {
      if (fs.existsSync(this.base)) throw new QueueError('NOT_A_DIRECTORY', `Queue path ${this.base} exists and is not a directory: check the path`);
      throw new QueueError('NOT_A_QUEUE', `No queue at ${this.base}: no such directory (check the path; sending a job creates a queue)`);
    }
    const missing = ORIGINAL_DIRS.filter((d) => !isDir(path.join(this.base, d)));
    if (missing.length) {
      throw new QueueError('NOT_A_QUEUE', `${this.base} is not a queue: it has no ${missing.map((d) => `${d}/`).join(', ')} (check the path)`);
    } // Read-only users read through a link as much as writers would write through it.
    for (const d of this.ownFolders()) checkRealDir(d);
  }

  /** Every folder of the queue that must be a real directory of it (see checkRealDir). */
  ownFolders(): string[] {
    return [...STATE_DIRS.map((d) => path.join(this.base, d)), path.join(this.base, EXTRA_DIR), this.meta, this.progress, this.consumers];
  }

  /** Creates the folders as the original does (recursively); a base that is a file is a clear error. */
  ensure(): void {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(this.base);
    } catch (err) {
      if (errnoOf(err) === 'ENOTDIR') throw queuePathError(this.base, 'inside a file');
      if (errnoOf(err) !== 'ENOENT') throw fsFailure(`opening queue ${this.base}`, err);
    }
    if (st && !st.isDirectory()) throw queuePathError(this.base, 'a file');
    try {
      for (const d of STATE_DIRS) mkdirs(path.join(this.base, d));
      for (const d of [this.meta, this.progress, this.consumers, this.history]) mkdirs(d);
    } catch (err) {
      // A file where a state folder goes: refused in checkRealDir's words, as every later look at it is.
      const at = (err as NodeJS.ErrnoException).path;
      if (errnoOf(err) === 'EEXIST' && at !== undefined) checkRealDir(at);
      if (errnoOf(err) === 'ENOTDIR' || errnoOf(err) === 'EEXIST') {
        throw new QueueError('NOT_A_DIRECTORY', `A state folder of queue ${this.base} is a file, not a directory: ${(err as Error).message}`);
      }
      throw fsFailure(`creating the folders of queue ${this.base}`, err);
    }
    // mkdir -p is content with a link to a folder; we are not: see checkRealDir.
    for (const d of this.ownFolders()) checkRealDir(d);
  }
}

/**
 * The refusal of a queue path that is a file, or inside one, when the queue is to be created
 * there: the one wording of it, which the worker's health check shows too.
 */
export function queuePathError(base: string, what: 'a file' | 'inside a file'): QueueError {
  return new QueueError(
    'NOT_A_DIRECTORY',
    what === 'a file'
      ? `Queue path ${base} exists and is not a directory: choose another path or remove the file`
      : `Queue path ${base} is inside a file, not a directory: choose another path`,
  );
}

/**
 * `mkdir -p`, one component at a time. Not fs.mkdirSync's `recursive`: where mkdir answers
 * ENOENT although the parent is there (/proc, /proc/self), Node's recursive mkdir retries
 * for ever, and a worker configured with such a path would hang; here it is an error.
 */
function mkdirs(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    // As the recursive mkdir: content with a folder (or a link to one: checkRealDir judges links), EEXIST for a file.
    if (errnoOf(err) === 'EEXIST' && fs.statSync(dir).isDirectory()) return;
    const parent = path.dirname(dir);
    if (errnoOf(err) !== 'ENOENT' || parent === dir) throw err;
    mkdirs(parent);
    try {
      fs.mkdirSync(dir); // ENOENT again, with the parent there, is the error it is
    } catch (again) {
      // Made meanwhile by another process opening the same new queue (a consumer and a send started together).
      if (errnoOf(again) === 'EEXIST' && fs.statSync(dir).isDirectory()) return;
      throw again;
    }
  }
}

/**
 * A state folder must be a real directory of the queue, not a link to one elsewhere: through
 * a link, cleanup would delete another folder's files and consumers would move them into the
 * queue. lstat, not stat, so the link itself is what is judged. Checked when the queue is
 * opened and again before each listing that leads to a move or a delete, so a folder swapped
 * for a link later is caught too. False when the folder does not exist.
 */
export function checkRealDir(dir: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw fsFailure(`opening ${dir}`, err);
  }
  if (st.isDirectory()) return true;
  throw notRealDirError(dir, st);
}

/**
 * The refusal of a queue folder that lstat found to be no directory (a link, a file): the
 * one wording of it, which the worker's health check (it has its own lstat) shows too.
 */
export function notRealDirError(dir: string, st: fs.Stats): QueueError {
  const message = st.isSymbolicLink()
    ? `Queue folder ${dir} is a symbolic link (to ${readLinkOr(dir)}), not a real directory: the queue will not reach through it. Replace it with a directory (mkdir) and move its jobs in`
    : `Queue folder ${dir} is a file, not a real directory: move the file away and make a directory (mkdir) in its place`;
  return new QueueError('NOT_A_DIRECTORY', message);
}

function readLinkOr(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return '?';
  }
}

/**
 * A folder's entry: `folder` absolute and normalised (a Layout folder, or a path built by
 * this function), `name` a single component as a listing returns it. path.join would
 * normalise the result again; on the send and claim-and-finish paths that is a few µs per job.
 */
export function entryPath(folder: string, name: string): string {
  return folder + path.sep + name;
}
