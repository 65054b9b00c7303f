// The facade: the original's API on one class, each method a line or two into the module
// that does the work (send, consumer, inspect, maintenance). Over 300 lines because
// the API is wide (isX/countX per state, as the original has them), not because logic lives here.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { QueueError } from './errors';
import { checkQueueOptions } from './bounds';
import { sentAtOf } from './jobId';
import { idKey } from './jobName';
import { Layout } from './layout';
import { JobRecords } from './jobRecord';
import { OwnerLiveness } from './ownerLiveness';
import { QueuedCursor } from './queuedCursor';
import { Consumer, type JobEvent, type ReceiveOptions } from './consumer';
import type { FinishContext } from './finish';
import type { Recovered } from './recover';
import { Scheduler } from './schedule';
import { Inspector, type JobDetails, type JobPage, type ListOptions } from './inspect';
import { LISTINGS, type FolderListings } from './folderSnapshot';
import type { QueryOptions } from './jobQuery';
import { cleanup, promote, removeJob, requeue, requeueAll, type MaintenanceContext } from './maintenance';
import { reschedule } from './reschedule';
import { runLanes } from './lanes';
import { Wakeup } from './wakeup';
import { listConsumers, type ConsumerInfo } from './consumers';
import { readStats, recordDepth, type QueueStats, type StatsWindow } from './history';
import { isPaused, pauseQueue, readPause, resumeQueue, type PauseInfo } from './pause';
import { detectShared, type SharedVerdict } from './sharedFs';
import { DEFAULT_LEASE_MS } from './ownerLease';
import type { Handlers } from './handler';
import { sendData, sendFile, sendFileAsync, type SendContext, type SendFileOptions, type SendOptions } from './send';
import { sendDataAsync, sendMany } from './sendMany';
import { sendFiles, type SentFile } from './sendFiles';
import type { CopyOptions } from './copyPayload';
import {
  KeepPolicy,
  LISTABLE_STATES,
  finishedStates,
  keepBits,
  type FinishedState,
  type FinishedStates,
  type JobState,
  type ListableState,
  type RetryPolicy,
} from './policy';

export type { JobEvent, ReceiveOptions } from './consumer';

/** receive() and run(): which jobs, and how many in hand at once. */
export interface RunOptions extends Omit<ReceiveOptions, 'timeout'> {
  /** Jobs in hand at once, 1 to 1,024 (default 1). */
  concurrency?: number;
}

/** How long one of run()'s waits lasts before it looks again; a new job or stop() ends it early. */
const IDLE_WAIT_MS = 60_000;

export interface QueueOptions extends Partial<RetryPolicy> {
  /**
   * Which finished jobs to keep, by state: `['SUCCESS', 'FAILED']`, say; default all three.
   * KeepPolicy flags (`KeepPolicy.SUCCESS | KeepPolicy.FAILED`) are accepted too, as the original's.
   */
  keep?: FinishedStates;
  /** fsync payloads and folders on every send and change of state. */
  durable?: boolean;
  /** 'pid' names processing dirs by pid (the original's default); 'lock' by a token held with flock (containers). */
  crashDetection?: 'pid' | 'lock';
  /** How often an idle consumer looks when watching is unavailable, in ms. */
  pollInterval?: number;
  /** Watch folders for new jobs (default true); false polls every pollInterval. */
  watch?: boolean;
  /** Receives sweep for dead consumers' jobs at most this often, in ms (the first receive always does). */
  recoveryInterval?: number;
  /** See OwnerLiveness. */
  pidReuseSlackMs?: number;
  /** What this process's consumer runs, as the consumers view shows it (default: its command line). */
  consumerLabel?: string;
  /** Create the queue's folders if missing (default true); false: the path must already be a queue, else `NOT_A_QUEUE` and nothing is made. */
  create?: boolean;
  /**
   * Whether consumers on other machines may use this queue (a network file system). Default:
   * detected from the file system's type (NFS, SMB, FUSE such as sshfs or GlusterFS, 9p,
   * Ceph, Lustre, ...). `true` makes every owner a token with a lease, polls for jobs sent
   * elsewhere, and leaves the original's pid-named dirs alone; `false` says this machine only.
   */
  shared?: boolean;
  /** How long an owner on another machine may go without renewing its lease before its jobs are taken, in ms (default 30 s). */
  lease?: number;
  /** On a shared queue, how often a waiting consumer stats the folders for jobs sent on other machines, in ms (default 250). */
  remotePollInterval?: number;
}

export type Counts = Record<ListableState, number>;

/** The events a queue emits, with their arguments: `q.on('job', (e) => ...)` is typed. */
export interface PacchettinoEvents {
  /** After each handled job. */
  job: [event: JobEvent];
  /** A handled job could not be filed yet (a full disk, say): it stays put and is filed on a later receive. */
  warning: [error: QueueError];
}

/** Which states requeueAll() takes. */
export interface RequeueAllOptions {
  /** Default FAILED and INTERRUPTED. */
  states?: readonly FinishedState[];
}

/** Which jobs cleanup() deletes. */
export interface CleanupOptions {
  /** Default all three finished states. */
  states?: readonly FinishedState[];
  /** Only jobs last changed more than this many ms ago (default 0: all). */
  olderThanMs?: number;
}

/** A queue in a directory, compatible on disk with the original D library. Events: PacchettinoEvents. */
export class Pacchettino extends EventEmitter<PacchettinoEvents> implements Handlers {
  static readonly KeepPolicy = KeepPolicy;

  readonly layout: Layout;
  /** The finished states this queue keeps. */
  readonly keep: readonly FinishedState[];
  readonly durable: boolean;
  readonly crashDetection: 'pid' | 'lock';
  /** Whether other machines may use this queue, and why we think so (option or file system type). */
  readonly shared: SharedVerdict;
  readonly leaseMs: number;
  onData?: Handlers['onData'];
  onFile?: Handlers['onFile'];
  onJob?: Handlers['onJob'];

  private readonly records: JobRecords;
  private readonly cursor: QueuedCursor;
  private readonly scheduler: Scheduler;
  private readonly inspector: Inspector;
  private readonly consumer: Consumer;
  /** Warnings already given: an entry that cannot be moved is named once, not at every sweep. */
  private readonly warned = new Set<string>();

  constructor(base: string, options: QueueOptions = {}) {
    super();
    checkQueueOptions(options);
    this.keep = finishedStates(options.keep ?? KeepPolicy.ALL, 'keep');
    this.layout = new Layout(base);
    if (options.create === false) this.layout.verify();
    else this.layout.ensure();
    this.durable = options.durable ?? false;
    this.crashDetection = options.crashDetection ?? 'pid';
    this.shared = detectShared(this.layout.base, options.shared);
    this.leaseMs = options.lease ?? DEFAULT_LEASE_MS;
    const warn = (err: QueueError) => this.warnOnce(err);
    this.records = new JobRecords(this.layout.meta, this.durable, warn);
    this.cursor = new QueuedCursor(this.layout);
    const listings = (options as { [LISTINGS]?: FolderListings })[LISTINGS];
    this.scheduler = new Scheduler(this.layout, this.durable, warn, listings);
    this.inspector = new Inspector(this.layout, this.records, listings);
    const finish: FinishContext = {
      layout: this.layout,
      keep: keepBits(this.keep),
      durable: this.durable,
      records: this.records,
      retry: {
        retryDelay: options.retryDelay ?? 0,
        retryBackoff: options.retryBackoff ?? 'exponential',
        maxRetryDelay: options.maxRetryDelay ?? 3_600_000,
        maxAttempts: options.maxAttempts ?? 0,
      },
    };
    this.consumer = new Consumer({
      layout: this.layout,
      durable: this.durable,
      crashDetection: this.crashDetection,
      shared: this.shared.shared,
      leaseMs: this.leaseMs,
      recoveryInterval: options.recoveryInterval ?? 1000,
      records: this.records,
      liveness: new OwnerLiveness({
        ownersDir: this.layout.owners,
        bootDir: this.layout.boot,
        shared: this.shared.shared,
        leaseMs: this.leaseMs,
        pidReuseSlackMs: options.pidReuseSlackMs,
      }),
      cursor: this.cursor,
      scheduler: this.scheduler,
      wakeup: new Wakeup(
        [this.layout.queued, this.layout.scheduled, this.layout.extra],
        options.pollInterval ?? 100,
        options.watch ?? true,
        this.shared.shared ? (options.remotePollInterval ?? 250) : undefined,
      ),
      finish,
      handlers: this,
      onJob: (event) => this.emit('job', event),
      onWarning: warn,
      label: options.consumerLabel,
    });
  }

  private warnOnce(err: QueueError): void {
    if (this.warned.has(err.message)) return;
    if (this.warned.size >= 10_000) this.warned.clear();
    this.warned.add(err.message);
    this.emit('warning', err);
  }

  // ---- sending ----------------------------------------------------------------

  /** Queues bytes (or a string as UTF-8); returns the job's bare uuid. */
  sendData(data: string | Uint8Array, opts?: SendOptions): string {
    return sendData(this, data, opts);
  }

  /**
   * Queues many data jobs in one call: `await q.sendMany(lines)` resolves their ids, in
   * order, once every one is queued. On a durable queue the payloads are fsynced side by
   * side and queued/ once for the batch (a call of 1,000 jobs costs a few fsyncs' time, not
   * 2,000 fsyncs one after another); no id is given before its job is on disk.
   */
  sendMany(items: readonly (string | Uint8Array)[], opts?: SendOptions): Promise<string[]> {
    return sendMany(this, items, opts);
  }

  /**
   * sendData without blocking: on a durable queue its fsyncs run off the event loop, and
   * concurrent calls share one fsync of queued/ (group commit). Resolves the id once the job
   * is queued (durable: on disk).
   */
  sendDataAsync(data: string | Uint8Array, opts?: SendOptions): Promise<string> {
    return sendDataAsync(this, data, opts);
  }

  /**
   * Queues a copy of a file (or the file itself with `move`; a link is refused then); returns
   * the job's bare uuid. A file whose size lied (/proc, /sys) is copied to its end, with a 'warning'.
   * A Buffer path keeps a name that is not valid UTF-8 as its bytes.
   */
  sendFile(file: string | Buffer, opts?: SendFileOptions): string {
    return sendFile(this.sendContext(), file, opts);
  }

  /**
   * Queues copies of many files (or the files themselves with `move`), in order: sendMany's
   * steps, so a durable queue fsyncs the copies (with `move`, the files) side by side and
   * queued/ once for the batch (with `move`, each folder the files came from once too).
   * One bad file costs only itself: its entry has the error, the others their ids.
   */
  sendFiles(files: readonly (string | Buffer)[], opts?: SendFileOptions): Promise<SentFile[]> {
    return sendFiles(this.sendContext(), files, opts);
  }

  /**
   * sendFile without blocking the event loop while the file is copied (a large file in a
   * process that serves others meanwhile), with progress, and cancellable until the job is
   * queued: an aborted `signal` rejects with its AbortError and leaves nothing in the queue.
   */
  sendFileAsync(file: string | Buffer, opts?: SendFileOptions & CopyOptions): Promise<string> {
    return sendFileAsync(this.sendContext(), file, opts);
  }

  private sendContext(): SendContext {
    return { layout: this.layout, durable: this.durable, warn: (err) => this.emit('warning', err) };
  }

  // ---- receiving --------------------------------------------------------------

  /** Handles one due job; waits up to `timeout` ms for one. Resolves whether a job was handled. */
  receiveOne(opts?: ReceiveOptions): Promise<boolean> {
    return this.consumer.receiveOne(opts);
  }

  /**
   * Handles every job that is due now, `concurrency` at a time (default 1: one after
   * another); resolves how many once the last is filed.
   */
  receive(opts: RunOptions = {}): Promise<number> {
    return runLanes(opts.concurrency ?? 1, true, async () => ((await this.receiveOne({ ...opts, timeout: 0 })) ? 'handled' : 'idle'));
  }

  /**
   * Handles jobs as they come, waiting for more when none is due, until stop() or close();
   * resolves how many it handled. With `concurrency: 8`, eight jobs are in hand at once (for
   * handlers that await: a synchronous handler gains nothing), each still claimed once under
   * this queue's one owner, and pause() stops new claims.
   */
  run(opts: RunOptions = {}): Promise<number> {
    return runLanes(opts.concurrency ?? 1, false, async () => {
      if (this.isStopped) return 'stop';
      return (await this.receiveOne({ ...opts, timeout: IDLE_WAIT_MS })) ? 'handled' : 'idle';
    });
  }

  get isStopped(): boolean {
    return this.consumer.isStopped;
  }

  /** Makes waiting receives return false; a job in hand is finished first. */
  stop(): void {
    this.consumer.stop();
  }

  /** Stops, waits for the jobs in hand to be filed, then releases the owner lock and the watches. */
  close(): Promise<void> {
    return this.consumer.close();
  }

  /** Moves jobs of dead consumers to interrupted/ (or drops them, per policy). */
  recover(): Recovered {
    return this.consumer.recover();
  }

  /** Moves due scheduled jobs into queued/; returns how many. */
  promoteDue(): number {
    return this.scheduler.promoteDue();
  }

  /** When the earliest scheduled job falls due (ms since epoch), as of the last promoteDue(): for a caller arming a timer. */
  get nextDue(): number | undefined {
    return this.scheduler.nextDue;
  }

  // ---- pausing ----------------------------------------------------------------

  /** Our consumers (in any process) take no new job until resume(); jobs in hand finish. The original's consumers do not know it. */
  pause(): PauseInfo {
    return pauseQueue(this.layout);
  }

  /** Wakes paused consumers; returns whether the queue was paused. */
  resume(): boolean {
    return resumeQueue(this.layout);
  }

  get isPaused(): boolean {
    return isPaused(this.layout);
  }

  /** Who paused the queue and since when; undefined when it is not paused. */
  pausedBy(): PauseInfo | undefined {
    return readPause(this.layout);
  }

  /** Jobs finished per minute by result and the queue's depth, over the last hour (by minute) or day (by quarter hour). */
  stats(window: StatsWindow = 'hour'): QueueStats {
    return readStats(this.layout, window);
  }

  /** Appends a sample of the queue's depth to its history (the VS Code worker does, once a minute). */
  sampleDepth(): void {
    recordDepth(this.layout);
  }

  /** Who is consuming this queue now (ours and the original's), with the jobs each holds. */
  consumers(): ConsumerInfo[] {
    return listConsumers(this.layout);
  }

  // ---- looking ----------------------------------------------------------------

  status(idOrName: string): JobState {
    try {
      return this.inspector.status(idOrName);
    } catch {
      return 'UNKNOWN'; // never throws, as the original's status()
    }
  }

  isQueued(id: string): boolean {
    return this.inspector.isIn('QUEUED', id);
  }
  isScheduled(id: string): boolean {
    return this.inspector.isIn('SCHEDULED', id);
  }
  isProcessing(id: string): boolean {
    return this.inspector.isIn('PROCESSING', id);
  }
  isSuccess(id: string): boolean {
    return this.isKept('SUCCESS', id);
  }
  isFailed(id: string): boolean {
    return this.isKept('FAILED', id);
  }
  isInterrupted(id: string): boolean {
    return this.isKept('INTERRUPTED', id);
  }

  private isKept(state: FinishedState, id: string): boolean {
    if (!this.keep.includes(state))
      throw new QueueError('NOT_KEPT', `This queue's keep policy does not keep ${state.toLowerCase()} jobs, so it cannot tell whether ${id} is one`);
    return this.inspector.isIn(state, id);
  }

  /** When the job was sent, read from its id. */
  sentAt(id: string): Date | undefined {
    return sentAtOf(idKey(id));
  }

  count(state: ListableState): number {
    return this.inspector.count(state);
  }
  countQueued(): number {
    return this.count('QUEUED');
  }
  countScheduled(): number {
    return this.count('SCHEDULED');
  }
  countProcessing(): number {
    return this.count('PROCESSING');
  }
  countSuccess(): number {
    return this.count('SUCCESS');
  }
  countFailed(): number {
    return this.count('FAILED');
  }
  countInterrupted(): number {
    return this.count('INTERRUPTED');
  }
  countAll(): number {
    return LISTABLE_STATES.reduce((n, s) => n + this.count(s), 0);
  }
  counts(): Counts {
    return Object.fromEntries(LISTABLE_STATES.map((s) => [s, this.count(s)])) as Counts;
  }

  /** A page of a state's jobs, oldest first unless `order: 'desc'`; optionally filtered, sorted, or the page `around` a job. */
  list(state: ListableState, opts?: ListOptions): JobPage {
    return this.inspector.list(state, opts);
  }

  /** The ids of every job of a state that matches `opts.filter`, in the order asked: for acting on all of them. */
  matchingIds(state: ListableState, opts?: QueryOptions): string[] {
    return this.inspector.matchingIds(state, opts);
  }

  /** Everything known of one job: where it is, its attempts, why it failed and the handler's output. */
  details(idOrName: string): JobDetails | undefined {
    return this.inspector.details(idOrName);
  }

  // ---- maintenance ------------------------------------------------------------

  private get maintenance(): MaintenanceContext {
    return { layout: this.layout, durable: this.durable, records: this.records, inspector: this.inspector };
  }

  /**
   * Runs `fn` (many requeues, removes or promotes) with each state folder listed at most
   * once, where each of its renames would otherwise have the folder listed again for the
   * next job: `q.batch(() => ids.forEach((id) => q.requeue(id)))`. A job that moved on
   * meanwhile fails its own call, as it would anyway.
   */
  batch<T>(fn: () => T): T {
    return this.inspector.batch(fn);
  }

  /** Makes a scheduled job due now, keeping its attempts. */
  promote(idOrName: string): void {
    promote(this.maintenance, idOrName);
    this.cursor.invalidate();
  }

  requeue(idOrName: string): void {
    requeue(this.maintenance, idOrName);
    this.cursor.invalidate();
  }

  /**
   * Requeues every job of the given finished states: `requeueAll({ states: ['FAILED'] })`;
   * default FAILED and INTERRUPTED. KeepPolicy flags in place of the options are accepted too.
   */
  requeueAll(which: RequeueAllOptions | number = {}): number {
    const states = typeof which === 'number' ? which : (which.states ?? ['FAILED', 'INTERRUPTED']);
    const n = requeueAll(this.maintenance, finishedStates(states, 'requeueAll: states'));
    this.cursor.invalidate();
    return n;
  }

  /**
   * Deletes finished jobs: `cleanup({ states: ['SUCCESS'], olderThanMs: 86_400_000 })`; default
   * every finished job. The original's form `cleanup(KeepPolicy flags, olderThanMs)` is accepted too.
   */
  cleanup(which: CleanupOptions | number = {}, olderThanMs?: number): number {
    const opts = typeof which === 'number' ? { states: which, olderThanMs } : which;
    return cleanup(this.maintenance, finishedStates(opts.states ?? KeepPolicy.ALL, 'cleanup: states'), opts.olderThanMs ?? 0);
  }

  /** Makes a scheduled or queued job due at `dueAt` (ms since epoch; now or earlier queues it); returns the due time set. */
  reschedule(idOrName: string, dueAt: number): number {
    const due = reschedule(this.maintenance, idOrName, dueAt);
    this.cursor.invalidate();
    return due;
  }

  /** Deletes one job that is not running; returns the state it was in. */
  remove(idOrName: string): ListableState {
    return removeJob(this.maintenance, idOrName);
  }
}

export function isQueueDir(p: string): boolean {
  try {
    return fs.statSync(new Layout(p).queued).isDirectory();
  } catch {
    return false;
  }
}
