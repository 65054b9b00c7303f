import { ResponseError } from 'vscode-languageserver/node';
import { Layout, Pacchettino, type QueueErrorCode, type QueueOptions } from 'pacchettino';
import { WorkerErrorCodes, type QueueSummary, type WireFinishedState } from '@pacchettino/shared';
import { FolderIndex, FolderWatch, LISTINGS } from 'pacchettino/internal';
import { checkFolders, type FolderHealth } from './queueHealth';
import { liveDirs, liveStamp, liveSummary } from './liveState';
import { codeOf, messageOf } from './errorReplies';
import type { WorkerLog } from './workerLog';

export interface QueueSettings {
  keep: readonly WireFinishedState[];
  watch: boolean;
  /** The core's lease and shared options (ms; undefined: its defaults and detection). */
  lease?: number;
  shared?: boolean;
}

/**
 * A queue's first watches start this long after it is opened, not during its first look:
 * inotify_add_watch on a folder flags each of its cached entries in the kernel (26 ms for
 * 100,000 here), which the first counts and page need not wait for. Meanwhile looks list by
 * mtime (FolderSnapshots), and what changed before the watches started is told at once.
 */
const FIRST_WATCH_DELAY_MS = 200;

/** setTimeout's ceiling (~24.8 days); a later due time is re-armed when this fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One configured queue as the worker sees it: the core's Pacchettino while the folders
 * are there, an error while they are not, the watches on its folders and the timer for
 * its next scheduled job. Every look goes through checkFolders first, because the core's
 * cached listings read a vanished folder as empty, and an empty queue is not the truth.
 * The worker never takes jobs: it only looks, sweeps for dead consumers and promotes
 * due scheduled jobs, all of which a consumer would do too.
 */
export class WatchedQueue {
  readonly layout: Layout;
  private queue?: Pacchettino;
  private error?: string;
  /** The kind of `error`, for the client's words (QueueSummary.errorCode, the QueueUnavailable reply's data). */
  private errorCode?: QueueErrorCode;
  /**
   * Why opening at configure failed (no permission to create the folders, say): it says more
   * than "does not exist", so it is shown for as long as the folders stay as they were then.
   */
  private openError?: { message: string; code?: QueueErrorCode; fingerprint: string };
  private readonly watch: FolderWatch;
  /** The state folders as the watch reports them: what counts, pages and lookups read (see FolderIndex). */
  private readonly index: FolderIndex;
  /** The folder inodes the watches were set up on; other inodes mean the folders were replaced. */
  private watchedIdentity?: string;
  /** Watching failed on this queue: poll it until it is reopened. */
  private watchFailed = false;
  private dueTimer?: NodeJS.Timeout;
  /** Set while the first watches wait to start (FIRST_WATCH_DELAY_MS). */
  private watchTimer?: NodeJS.Timeout;
  /** Fingerprint at the last summary sent to the client; polling compares against it. */
  private notifiedFingerprint = '';
  private seenFingerprint = '';

  constructor(
    readonly path: string,
    readonly settings: QueueSettings,
    /** Asks for a coalesced look at this queue (its summary goes to the client). */
    private readonly changed: () => void,
    private readonly log: WorkerLog,
  ) {
    this.layout = new Layout(path);
    this.index = new FolderIndex(this.layout);
    const reported = (dir: string, name: string | undefined) => {
      this.index.note(dir, name);
      changed();
    };
    this.watch = new FolderWatch(reported, (err) => {
      this.index.trust(false);
      this.watchFailed = true;
      this.log.warn(`Watching ${path} failed (${messageOf(err)}); polling it instead`);
      changed();
    });
  }

  /** The core's queue, its warnings (an entry it could not move, say) in the worker's log. */
  private openQueue(): Pacchettino {
    const queue = new Pacchettino(this.path, {
      keep: this.settings.keep,
      watch: false,
      lease: this.settings.lease,
      shared: this.settings.shared,
      [LISTINGS]: this.index,
    } as QueueOptions);
    queue.on('warning', (err: Error) => this.log.warn(`Queue ${this.path}: ${err.message}`));
    return queue;
  }

  /** Opens the queue as a consumer would, creating missing folders: only when the user configures it. */
  openCreating(): void {
    this.close();
    try {
      this.queue = this.openQueue();
      this.error = this.errorCode = this.openError = undefined;
    } catch (err) {
      this.error = messageOf(err);
      this.errorCode = codeOf(err);
      this.openError = { message: this.error, code: this.errorCode, fingerprint: checkFolders(this.layout).fingerprint };
      this.log.warn(`Queue ${this.path}: ${this.error}`);
    }
  }

  /** Whether the queue could not be opened or read at the last look. */
  get failing(): boolean {
    return this.error !== undefined;
  }

  /** The core for a request, or a QueueUnavailable error saying why the queue cannot be read now. */
  pacchettino(): Pacchettino {
    const health = checkFolders(this.layout);
    const queue = this.settle(health);
    if (!queue) {
      this.changed(); // the client learns of the error through a notification too
      throw new ResponseError(WorkerErrorCodes.QueueUnavailable, this.error ?? `Queue ${this.path} cannot be read`, { code: this.errorCode });
    }
    // Folders replaced since the watches were set up (their watches hear the old ones): watch the new
    // ones before the index answers, as a summary would.
    this.ensureWatching(health, queue);
    return queue;
  }

  /** Counts per state, or the error; also (re)arms watches and the due timer, which want the same look. */
  summary(): QueueSummary {
    const health = checkFolders(this.layout);
    this.seenFingerprint = health.settled ? health.fingerprint + liveStamp(this.layout) : '';
    const queue = this.settle(health);
    if (queue) {
      this.ensureWatching(health, queue);
      this.promoteDue(queue);
      try {
        const counts = queue.counts();
        return { path: this.path, counts, watching: this.watch.active || this.watchTimer !== undefined, ...liveSummary(queue, counts.PROCESSING) };
      } catch (err) {
        // Folders there but not listable (permissions changed between the check and the listing).
        return { path: this.path, error: `Queue ${this.path} cannot be read: ${messageOf(err)}`, errorCode: codeOf(err) ?? 'IO', watching: false };
      }
    }
    return { path: this.path, error: this.error, errorCode: this.errorCode, watching: false };
  }

  /** The summary just computed went to the client: polling now compares against it. */
  acknowledge(): void {
    this.notifiedFingerprint = this.seenFingerprint;
  }

  /** Polling's question, with stats only: did anything move since the client was told? */
  poll(): void {
    const health = checkFolders(this.layout);
    if (!health.settled || health.fingerprint + liveStamp(this.layout) !== this.notifiedFingerprint) this.changed();
  }

  /** The crash-recovery sweep asked for by a request: jobs of dead consumers go to interrupted/; failures throw. */
  recoverNow(): number {
    const { interrupted } = this.pacchettino().recover();
    if (interrupted.length > 0) {
      this.log.info(`Queue ${this.path}: ${interrupted.length} job(s) of dead consumers moved to interrupted/`);
      this.changed();
    }
    return interrupted.length;
  }

  /** The periodic sweep: as recoverNow, but a queue that cannot be swept is only logged (its summary shows why). */
  sweep(): number {
    if (!this.queue || this.error) return 0;
    try {
      return this.recoverNow();
    } catch (err) {
      this.log.warn(`Queue ${this.path}: recovery sweep failed: ${messageOf(err)}`);
      this.changed();
      return 0;
    }
  }

  /** A depth sample for the throughput history; a queue that cannot be read now has none. */
  sampleDepth(): void {
    if (this.queue && !this.error) this.queue.sampleDepth();
  }

  close(): void {
    clearTimeout(this.watchTimer);
    this.watchTimer = undefined;
    this.watch.close();
    this.index.trust(false);
    this.watchedIdentity = undefined;
    clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
    void this.queue?.close();
    this.queue = undefined;
  }

  /** Moves between healthy and error on what the folders say now; returns the core when healthy. */
  private settle(health: FolderHealth): Pacchettino | undefined {
    if (this.openError && this.openError.fingerprint !== health.fingerprint) this.openError = undefined;
    if (health.error) {
      const error = this.openError?.message ?? health.error;
      if (this.error !== error) this.log.warn(error);
      this.close();
      this.error = error;
      this.errorCode = this.openError ? this.openError.code : health.code;
      return undefined;
    }
    if (!this.queue) {
      // Back after an error: the folders are all there, so opening only adds our own (tmp/, owners/, .pacchettino/).
      try {
        this.queue = this.openQueue();
      } catch (err) {
        this.error = messageOf(err);
        this.errorCode = codeOf(err);
        return undefined;
      }
      if (this.error) this.log.info(`Queue ${this.path} is readable again`);
      this.error = this.errorCode = undefined;
      this.watchFailed = false;
      this.sweep(); // a queue that comes back is a queue starting: sweep as at start
      this.changed(); // and the client hears so, with watches set up again, even if a request found out first
    }
    return this.queue;
  }

  private ensureWatching(health: FolderHealth, queue: Pacchettino): void {
    if (!this.settings.watch || this.watchFailed || this.watchTimer) return;
    if (this.watch.active && this.watchedIdentity === health.identity) return;
    if (this.watchedIdentity === undefined) {
      // Opened just now: the first look goes first (FIRST_WATCH_DELAY_MS).
      this.watchTimer = setTimeout(() => {
        this.watchTimer = undefined;
        const now = checkFolders(this.layout);
        if (this.queue && !this.error && !now.error) this.startWatching(now, this.queue);
      }, FIRST_WATCH_DELAY_MS);
      this.watchTimer.unref();
      return;
    }
    this.startWatching(health, queue); // folders replaced: their old watches hear nothing of the new ones
  }

  private startWatching(health: FolderHealth, queue: Pacchettino): void {
    // Watch the base too: it hears a state folder being removed or replaced.
    if (this.watch.start([this.layout.base, ...this.layout.stateFolders(), ...liveDirs(this.layout)])) {
      this.watchedIdentity = health.identity;
      // Started before the index takes over a folder's listing, so it misses no change after it.
      // Not where the watch hears only part of the news: other machines' changes on a shared
      // queue (polling tells of those), and platforms other than Linux, whose watches may
      // coalesce names (macOS's FSEvents) where inotify names every entry.
      // A folder that changed before its watch started is told now: no report will.
      if (this.index.trust(process.platform === 'linux' && !queue.shared.shared)) this.changed();
    }
  }

  /** Promotes what is due and arms the timer for the next; returns how many jobs moved. */
  private promoteDue(queue: Pacchettino): number {
    let moved = 0;
    try {
      // Before the counts are taken, so they already show the promoted jobs: the core tells the
      // index of each move (FolderListings.changedHere), which its watch reports only next turn.
      moved = queue.promoteDue();
    } catch (err) {
      this.log.warn(`Queue ${this.path}: promoting due scheduled jobs failed: ${messageOf(err)}`);
    }
    clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
    const due = queue.nextDue;
    if (due === undefined) return moved;
    // Firing promotes, and only jobs that moved make news: the core also asks to be looked at
    // again when it held back a listing of scheduled/, which alone changes nothing the client sees.
    this.dueTimer = setTimeout(
      () => {
        if (this.queue && this.promoteDue(this.queue) > 0) this.changed();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, due - Date.now())),
    );
    this.dueTimer.unref();
    return moved;
  }
}
