import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { QueueError, fsFailure } from './errors';
import { sentAtOf } from './jobId';
import { idKey } from './jobName';
import { Layout } from './layout';
import { JobRecords } from './jobRecord';
import { OwnerLiveness } from './ownerLiveness';
import { OwnerLock } from './ownerLock';
import { QueuedCursor, claim, type ClaimedJob } from './claim';
import { applyFiling, planFiling, type Filed, type Filing, type FinishContext } from './finish';
import { recoverStalled, type Recovered } from './recover';
import { Scheduler } from './schedule';
import { Inspector, type JobDetails, type JobPage, type ListOptions } from './inspect';
import { cleanup, removeJob, requeue, requeueAll, type MaintenanceContext } from './maintenance';
import { Wakeup } from './wakeup';
import { callHandler, makeJob, type Handlers } from './handler';
import { sendData, sendFile, type SendFileOptions, type SendOptions } from './send';
import { KeepPolicy, LISTABLE_STATES, type JobState, type ListableState, type Result, type RetryPolicy } from './policy';

export interface QueueOptions extends Partial<RetryPolicy> {
  /** Which finished jobs to keep (KeepPolicy flags); default ALL. */
  keep?: number;
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
}

export interface ReceiveOptions {
  /** Wait up to this many ms for a job when none is due (0: do not wait). */
  timeout?: number;
  /** Take a random due job instead of the oldest (the original's default). */
  randomize?: boolean;
  /** Job names to leave alone this time (a run that must take each job at most once, say). */
  skip?: (name: string) => boolean;
}

export interface JobEvent {
  id: string;
  name: string;
  result: Result;
  filed: Filed;
  ms: number;
  reason?: string;
}

export type Counts = Record<ListableState, number>;

/**
 * A queue in a directory, compatible on disk with the original D library.
 * Events: 'job' (JobEvent) after each handled job; 'warning' (Error) for a job that
 * could not be filed yet (it stays put and is filed on a later receive).
 */
export class Pacchettino extends EventEmitter implements Handlers {
  static readonly KeepPolicy = KeepPolicy;

  readonly layout: Layout;
  readonly keep: number;
  readonly durable: boolean;
  readonly crashDetection: 'pid' | 'lock';
  onData?: Handlers['onData'];
  onFile?: Handlers['onFile'];
  onJob?: Handlers['onJob'];

  private readonly records: JobRecords;
  private readonly liveness: OwnerLiveness;
  private readonly cursor: QueuedCursor;
  private readonly scheduler: Scheduler;
  private readonly inspector: Inspector;
  private readonly wakeup: Wakeup;
  private readonly finishCtx: FinishContext;
  private readonly recoveryInterval: number;
  private lock?: Promise<OwnerLock>;
  private lastSweep = -Infinity;
  private stranded: { claimed: ClaimedJob; filing: Filing }[] = [];
  private stopped = false;
  /** Jobs claimed and not yet filed, so close() can wait for them. */
  private readonly inHand = new Set<Promise<void>>();

  constructor(base: string, options: QueueOptions = {}) {
    super();
    this.layout = new Layout(base);
    this.layout.ensure();
    this.keep = options.keep ?? KeepPolicy.ALL;
    this.durable = options.durable ?? false;
    this.crashDetection = options.crashDetection ?? 'pid';
    this.recoveryInterval = options.recoveryInterval ?? 1000;
    this.records = new JobRecords(this.layout.meta, this.durable);
    this.liveness = new OwnerLiveness(this.layout.owners, options.pidReuseSlackMs);
    this.cursor = new QueuedCursor(this.layout);
    this.scheduler = new Scheduler(this.layout, this.durable);
    this.inspector = new Inspector(this.layout, this.records);
    this.wakeup = new Wakeup([this.layout.queued, this.layout.scheduled], options.pollInterval ?? 100, options.watch ?? true);
    this.finishCtx = {
      layout: this.layout,
      keep: this.keep,
      durable: this.durable,
      records: this.records,
      retry: {
        retryDelay: options.retryDelay ?? 0,
        retryBackoff: options.retryBackoff ?? 'exponential',
        maxRetryDelay: options.maxRetryDelay ?? 3_600_000,
        maxAttempts: options.maxAttempts ?? 0,
      },
    };
  }

  // ---- sending ----------------------------------------------------------------

  /** Queues bytes (or a string as UTF-8); returns the job's bare uuid. */
  sendData(data: string | Uint8Array, opts?: SendOptions): string {
    return sendData(this, data, opts);
  }

  /** Queues a copy of a file (or the file itself with `move`); returns the job's bare uuid. */
  sendFile(file: string, opts?: SendFileOptions): string {
    return sendFile(this, file, opts);
  }

  // ---- receiving --------------------------------------------------------------

  /** Handles one due job; waits up to `timeout` ms for one. Resolves whether a job was handled. */
  async receiveOne(opts: ReceiveOptions = {}): Promise<boolean> {
    const timeout = opts.timeout ?? 0;
    const randomize = opts.randomize ?? true;
    const deadline = Date.now() + timeout;
    const owner = await this.owner();
    if (timeout > 0) this.wakeup.start();
    for (;;) {
      if (this.stopped) return false;
      const since = this.wakeup.generation;
      const claimed = this.nextClaim(owner, randomize, opts.skip);
      if (claimed) {
        const running = this.run(claimed);
        this.inHand.add(running);
        try {
          await running;
        } finally {
          this.inHand.delete(running);
        }
        return true;
      }
      const now = Date.now();
      if (now >= deadline) return false;
      const due = this.scheduler.nextDue;
      await this.wakeup.wait(since, Math.min(deadline, due ?? Infinity) - now);
      this.cursor.invalidate();
    }
  }

  /** Handles every job that is due now, one after another; resolves how many. */
  async receive(opts: Omit<ReceiveOptions, 'timeout'> = {}): Promise<number> {
    let n = 0;
    while (await this.receiveOne({ ...opts, timeout: 0 })) n++;
    return n;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Makes waiting receives return false; a job in hand is finished first. */
  stop(): void {
    this.stopped = true;
    this.wakeup.notify();
  }

  /** Stops, waits for the jobs in hand to be filed, then releases the owner lock and the watches. */
  async close(): Promise<void> {
    this.stop();
    this.wakeup.close();
    // The lock is what tells other consumers our jobs are alive: dropped with a job in hand,
    // any sweep would move that job to interrupted/ while its handler still runs.
    await Promise.allSettled([...this.inHand]);
    if (this.lock) (await this.lock.catch(() => undefined))?.release();
  }

  /** Moves jobs of dead consumers to interrupted/ (or drops them, per policy). */
  recover(): Recovered {
    this.lastSweep = Date.now();
    try {
      return recoverStalled({ ...this.finishCtx, liveness: this.liveness });
    } catch (err) {
      throw fsFailure(`recovering stalled jobs in ${this.layout.processing}`, err);
    }
  }

  /** Moves due scheduled jobs into queued/; returns how many. */
  promoteDue(): number {
    return this.scheduler.promoteDue();
  }

  /** When the earliest scheduled job falls due (ms since epoch), as of the last promoteDue(): for a caller arming a timer. */
  get nextDue(): number | undefined {
    return this.scheduler.nextDue;
  }

  private owner(): Promise<string> | string {
    if (this.crashDetection === 'pid') return String(process.pid);
    this.lock ??= OwnerLock.acquire(this.layout);
    return this.lock.then((l) => l.token);
  }

  private nextClaim(owner: string, randomize: boolean, skip?: (name: string) => boolean): ClaimedJob | undefined {
    try {
      this.retryStranded();
      if (Date.now() - this.lastSweep >= this.recoveryInterval) this.recover();
      if (this.scheduler.promoteDue() > 0) this.cursor.invalidate();
      // Work through the cached listing; list again once if it ran dry, since
      // jobs may have arrived (or been taken by others) since it was made.
      for (let pass = 0; pass < 2; pass++) {
        if (this.cursor.exhausted && this.cursor.refill(randomize) === 0) return undefined;
        for (let name = this.cursor.next(); name !== undefined; name = this.cursor.next()) {
          if (skip?.(name)) continue;
          const claimed = claim(this.layout, name, owner, this.durable, this.cursor.isRegularFile(name));
          if (claimed) return claimed;
          this.cursor.lost();
        }
      }
      return undefined;
    } catch (err) {
      throw fsFailure(`claiming a job from ${this.layout.queued}`, err);
    }
  }

  private async run(claimed: ClaimedJob): Promise<void> {
    const started = Date.now();
    const job = makeJob(claimed, () => this.records.attempts(claimed.job.id));
    const outcome = await callHandler(this, job, claimed.regularFile);
    const filing = planFiling(this.finishCtx, claimed, outcome);
    try {
      applyFiling(this.finishCtx, claimed, filing);
    } catch (err) {
      this.stranded.push({ claimed, filing });
      this.emit('warning', fsFailure(`filing job ${claimed.job.name} as ${filing.filed} (it stays in processing/ and is filed on the next receive)`, err));
    }
    const event: JobEvent = {
      id: claimed.job.id,
      name: claimed.job.name,
      result: outcome.result,
      filed: filing.filed,
      ms: Date.now() - started,
      reason: outcome.reason,
    };
    this.emit('job', event);
  }

  private retryStranded(): void {
    const waiting = this.stranded;
    this.stranded = [];
    for (const s of waiting) {
      try {
        applyFiling(this.finishCtx, s.claimed, s.filing);
      } catch {
        this.stranded.push(s);
      }
    }
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
    return this.inspector.findIn('QUEUED', idKey(id)) !== undefined;
  }
  isScheduled(id: string): boolean {
    return this.inspector.findIn('SCHEDULED', idKey(id)) !== undefined;
  }
  isProcessing(id: string): boolean {
    return this.inspector.findIn('PROCESSING', idKey(id)) !== undefined;
  }
  isSuccess(id: string): boolean {
    return this.isKept(KeepPolicy.SUCCESS, 'SUCCESS', id);
  }
  isFailed(id: string): boolean {
    return this.isKept(KeepPolicy.FAILED, 'FAILED', id);
  }
  isInterrupted(id: string): boolean {
    return this.isKept(KeepPolicy.INTERRUPTED, 'INTERRUPTED', id);
  }

  private isKept(flag: number, state: ListableState, id: string): boolean {
    if (!(this.keep & flag))
      throw new QueueError('NOT_KEPT', `This queue's keep policy does not keep ${state.toLowerCase()} jobs, so it cannot tell whether ${id} is one`);
    return this.inspector.findIn(state, idKey(id)) !== undefined;
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

  /** A page of a state's jobs, oldest first unless `order: 'desc'`. */
  list(state: ListableState, opts?: ListOptions): JobPage {
    return this.inspector.list(state, opts);
  }

  /** Everything known of one job: where it is, its attempts, why it failed and the handler's output. */
  details(idOrName: string): JobDetails | undefined {
    return this.inspector.details(idOrName);
  }

  // ---- maintenance ------------------------------------------------------------

  private get maintenance(): MaintenanceContext {
    return { layout: this.layout, durable: this.durable, records: this.records, inspector: this.inspector };
  }

  requeue(idOrName: string): void {
    requeue(this.maintenance, idOrName);
    this.cursor.invalidate();
  }

  /** Requeues every job in `which` states (KeepPolicy flags; default FAILED | INTERRUPTED). */
  requeueAll(which?: number): number {
    const n = requeueAll(this.maintenance, which);
    this.cursor.invalidate();
    return n;
  }

  /** Deletes finished jobs of `which` states last changed more than `olderThanMs` ago. */
  cleanup(which?: number, olderThanMs?: number): number {
    return cleanup(this.maintenance, which, olderThanMs);
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
