import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, fsFailure } from './errors';
import type { Layout } from './layout';
import type { JobRecords } from './jobRecord';
import type { OwnerLiveness } from './ownerLiveness';
import { OwnerLock } from './ownerLock';
import { claim, claimDirs, type ClaimedJob } from './claim';
import type { QueuedCursor } from './queuedCursor';
import { applyFilingGrouped } from './finishGrouped';
import { syncDirs } from './groupSync';
import { applyFiling, planFiling, takenOver, type Filed, type Filing, type FinishContext, type Outcome } from './finish';
import { recoverStalled, type Recovered } from './recover';
import type { Scheduler } from './schedule';
import type { Wakeup } from './wakeup';
import { callHandler, makeJob, openPayload, type Handlers } from './handler';
import type { Result } from './policy';
import { isPaused } from './pause';
import { checkPercent, clearProgress, progressFile, ProgressWriter } from './progress';
import { register, unregister } from './consumers';
import { HistoryTally } from './history';
import { UntilAnswered } from './untilAnswered';

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
  /** The handler could not start the job (JobNotStarted): it is back in queued/, no attempt counted. */
  notStarted?: boolean;
  /** filed LOST: what the job's record says of who took it over and when (or that another consumer did). */
  lostReason?: string;
}

/** What the consumer loop works with; the facade (queue.ts) builds it once per queue. */
export interface ConsumerContext {
  layout: Layout;
  durable: boolean;
  crashDetection: 'pid' | 'lock';
  /** Other machines may use the queue (sharedFs.ts): every owner is a token with a lease. */
  shared: boolean;
  leaseMs: number;
  recoveryInterval: number;
  records: JobRecords;
  liveness: OwnerLiveness;
  cursor: QueuedCursor;
  scheduler: Scheduler;
  wakeup: Wakeup;
  finish: FinishContext;
  /** The handlers, read at each job (a caller may set them after construction). */
  handlers: Handlers;
  onJob(event: JobEvent): void;
  onWarning(err: QueueError): void;
  /** What this consumer runs, for the consumers view (the CLI passes its handler command or task name). */
  label?: string;
}

/**
 * The receiving side of one queue: claim a due job, run its handler, file it. Between
 * claims it sweeps for dead consumers' jobs, promotes due scheduled jobs and files jobs
 * a failed rename left stranded in processing/.
 */
/** How often a fenced consumer (its lease not renewed for half a lease) looks whether it may claim again. */
const FENCED_RECHECK_MS = 100;

export class Consumer {
  private lock?: Promise<OwnerLock>;
  /** Our file in .pacchettino/consumers/, from the first receive to close(). */
  private registration?: string;
  /** The owner it names: written again under a new token, as sweeps judge a registration by the token it names. */
  private registeredAs?: string;
  /** Locks given up (holder died, or another host took us for dead): held until close for the jobs still in hand. */
  private retired: OwnerLock[] = [];
  private lastSweep = -Infinity;
  private stranded: { claimed: ClaimedJob; filing: Filing }[] = [];
  private stopped = false;
  /** Jobs claimed and not yet filed, so close() can wait for them. */
  private readonly inHand = new Set<Promise<void>>();

  /** Results per minute for the throughput history (see history.ts): an increment per job. */
  private readonly tally: HistoryTally;

  constructor(private readonly ctx: ConsumerContext) {
    this.tally = new HistoryTally(ctx.layout);
  }

  /** Handles one due job; waits up to `timeout` ms for one. Resolves whether a job was handled. */
  async receiveOne(opts: ReceiveOptions = {}): Promise<boolean> {
    const { wakeup, cursor, scheduler } = this.ctx;
    const timeout = opts.timeout ?? 0;
    const randomize = opts.randomize ?? true;
    const deadline = Date.now() + timeout;
    if (timeout > 0) wakeup.start();
    for (;;) {
      if (this.stopped) return false;
      const since = wakeup.generation;
      // A paused queue: no claim, no promotion; the wait below ends on the resume's watch event.
      const paused = isPaused(this.ctx.layout);
      // Fenced: another host may take us for dead at any moment, so claim nothing until a renewal gets through.
      // The lock goes with the claim made under it, for its job's signs of life (progress renews its lease).
      const { owner, lock } = (paused ? undefined : await this.claimingOwner()) ?? {};
      if (owner !== undefined && owner !== this.registeredAs) {
        this.registration = register(this.ctx.layout, owner, this.ctx.label ?? process.argv.slice(1).join(' '));
        this.registeredAs = owner;
      }
      const claimed = owner === undefined ? undefined : this.nextClaim(owner, randomize, opts.skip);
      if (claimed) {
        const running = this.run(claimed, lock);
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
      const due = paused ? undefined : scheduler.nextDue;
      const wait = Math.min(deadline, due ?? Infinity) - now;
      await wakeup.wait(since, owner === undefined && !paused ? Math.min(wait, FENCED_RECHECK_MS) : wait);
      cursor.invalidate();
    }
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Makes waiting receives return false; a job in hand is finished first. */
  stop(): void {
    this.stopped = true;
    this.ctx.wakeup.notify();
  }

  /** Stops, waits for the jobs in hand to be filed, then releases the owner lock and the watches. */
  async close(): Promise<void> {
    this.stop();
    this.ctx.wakeup.close();
    // The lock is what tells other consumers our jobs are alive: dropped with a job in hand,
    // any sweep would move that job to interrupted/ while its handler still runs.
    await Promise.allSettled([...this.inHand]);
    this.tally.flush();
    if (this.registration) unregister(this.registration);
    if (this.lock) (await this.lock.catch(() => undefined))?.release();
    for (const l of this.retired) l.release();
    this.retired = [];
  }

  /** Moves jobs of dead consumers to interrupted/ (or drops them, per policy). */
  recover(): Recovered {
    this.lastSweep = Date.now();
    try {
      return recoverStalled({ ...this.ctx.finish, liveness: this.ctx.liveness, warn: (err) => this.ctx.onWarning(err) });
    } catch (err) {
      throw fsFailure(`recovering stalled jobs in ${this.ctx.layout.processing}`, err);
    }
  }

  /** Whether our dirs are named by token (with an owner file and its lease) rather than by pid. */
  private get tokenOwner(): boolean {
    return this.ctx.crashDetection === 'lock' || this.ctx.shared;
  }

  /**
   * The owner to claim as: our pid, as the original (a local queue in pid mode), or our token.
   * A token whose lock holder died or that another host took for dead is replaced by a new
   * one (once, however many receives in flight found it lost); undefined while the lease
   * could not be renewed for half a lease.
   */
  private async claimingOwner(): Promise<{ owner: string; lock?: OwnerLock } | undefined> {
    if (!this.tokenOwner) return { owner: String(process.pid) };
    const held = (this.lock ??= OwnerLock.acquire(this.ctx.layout, this.ctx.leaseMs));
    let lock = await held;
    if (lock.lost && this.lock !== held) lock = await this.lock;
    else if (lock.lost) {
      this.retired.push(lock);
      this.ctx.onWarning(
        new QueueError(
          'OWNER_LOST',
          `owner ${lock.token} of ${this.ctx.layout.base} lost its lock or lease: claiming as a new owner from now on (jobs in hand under it are reported LOST if taken over)`,
        ),
      );
      this.lock = OwnerLock.acquire(this.ctx.layout, this.ctx.leaseMs);
      lock = await this.lock;
    }
    return lock.fenced ? undefined : { owner: lock.token, lock };
  }

  private nextClaim(owner: string, randomize: boolean, skip?: (name: string) => boolean): ClaimedJob | undefined {
    const { layout, cursor, scheduler } = this.ctx;
    try {
      this.retryStranded();
      if (Date.now() - this.lastSweep >= this.ctx.recoveryInterval) this.recover();
      if (scheduler.promoteDue() > 0) cursor.invalidate();
      // Work through the cached listing; list again once if it ran dry, since
      // jobs may have arrived (or been taken by others) since it was made.
      for (let pass = 0; pass < 2; pass++) {
        if (cursor.exhausted && cursor.refill(randomize) === 0) return undefined;
        for (let name = cursor.next(skip); name !== undefined; name = cursor.next(skip)) {
          // Durable: the claim's fsyncs are run()'s, shared with the claims beside it.
          const claimed = claim(layout, name, owner, false);
          if (claimed) return claimed;
          cursor.lost();
        }
      }
      return undefined;
    } catch (err) {
      throw fsFailure(`claiming a job from ${layout.queued}`, err);
    }
  }

  private async run(claimed: ClaimedJob, lock: OwnerLock | undefined): Promise<void> {
    const started = Date.now();
    const { layout } = this.ctx;
    const id = claimed.job.id;
    // Only a job that reported progress, or handed its progress file on, costs an unlink after.
    let progressed = false;
    let progress: ProgressWriter | undefined;
    let progressFailed = false;
    let finished = false;
    // Durable: the claim on disk before the handler starts (see claimDirs), off the event loop.
    if (this.ctx.durable)
      await syncDirs(...claimDirs(layout, claimed)).catch((err: unknown) => {
        throw fsFailure(`claiming ${claimed.job.name} (making its claim durable)`, err);
      });
    const opened = openPayload(claimed.payload);
    const fd = 'fd' in opened ? opened.fd : undefined;
    const job = makeJob(
      claimed,
      () => this.ctx.records.attempts(id),
      {
        report: (percent, message) => {
          if (finished) return; // a handler's stray timer after its job: no note left behind
          progressed = true;
          progress ??= new ProgressWriter(layout, id);
          checkPercent(percent);
          try {
            progress.report(percent, message);
          } catch (err) {
            // Progress is a note: a full disk or a .pacchettino/progress that is not a folder
            // must not fail the job nor throw into its handler. Said once per job; later reports try again.
            if (!progressFailed) this.ctx.onWarning(fsFailure(`writing the progress of job ${claimed.job.name} (the job goes on without it)`, err));
            progressFailed = true;
          }
          lock?.touch(); // a sign of life: a handler busy past its lease keeps it by reporting
        },
        file: () => {
          progressed = true;
          return progressFile(layout, id);
        },
      },
      fd,
    );
    let outcome: Outcome;
    try {
      outcome = 'reason' in opened ? { result: 'FAILED', reason: opened.reason } : await callHandler(this.ctx.handlers, job);
    } finally {
      // A read-only payload's close can only report the mount's trouble (ENOTCONN once a
      // network client lost its server): the descriptor is freed anyway, and filing decides the job.
      if (fd !== undefined) closeQuietly(fd);
    }
    const answered = new UntilAnswered(claimed.job.name, (err) => this.ctx.onWarning(err));
    // Taken over while the handler ran (another host's sweep took us for dead): the job is
    // the taker's now, in interrupted/; write no record over its note, file nothing.
    // Else the record stores the attempt the handler saw, not one more than whatever it says now.
    let filing: Filing =
      this.tokenOwner && (await answered.run(() => takenOver(layout, claimed)))
        ? { filed: 'LOST' }
        : await answered.run(() => planFiling(this.ctx.finish, claimed, outcome, started, () => job.attempt));
    if (filing.filed !== 'LOST')
      try {
        const planned = filing;
        filing = await answered.run(() =>
          this.ctx.durable ? applyFilingGrouped(this.ctx.finish, claimed, planned) : applyFiling(this.ctx.finish, claimed, planned),
        );
        if (filing.filed === 'SCHEDULED' && filing.dest) this.ctx.scheduler.add(path.basename(filing.dest));
      } catch (err) {
        // The job stays in processing/ under our live owner, so no sweep takes it meanwhile.
        this.stranded.push({ claimed, filing });
        this.ctx.onWarning(fsFailure(`filing job ${claimed.job.name} as ${filing.filed} (it stays in processing/ and is filed on the next receive)`, err));
      }
    finished = true;
    progress?.closeQuietly();
    if (progressed) clearProgress(layout, id);
    // A retry out of attempts is in failed/: counted where it went. A job never started, or
    // taken over (its taker counts it as interrupted), is not counted.
    if (!outcome.notStarted && filing.filed !== 'LOST') this.tally.count(outcome.result === 'RETRY' && filing.filed === 'FAILED' ? 'FAILED' : outcome.result);
    this.ctx.onJob({
      id: claimed.job.id,
      name: claimed.job.name,
      result: outcome.result,
      filed: filing.filed,
      ms: Date.now() - started,
      reason: outcome.reason,
      ...(outcome.notStarted ? { notStarted: true } : {}),
      ...(filing.filed === 'LOST' ? { lostReason: this.lostReason(claimed) } : {}),
    });
  }

  private lostReason(claimed: ClaimedJob): string {
    try {
      const rec = this.ctx.records.read(claimed.job.id);
      if (rec?.lastResult === 'INTERRUPTED' && rec.reason) return rec.reason;
    } catch {
      /* the note is only a nicety */
    }
    return 'taken over by another consumer, which took this one for dead (see the job in interrupted/)';
  }

  private retryStranded(): void {
    const waiting = this.stranded;
    this.stranded = [];
    for (const s of waiting) {
      try {
        applyFiling(this.ctx.finish, s.claimed, s.filing);
      } catch {
        this.stranded.push(s);
      }
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* freed all the same (see run) */
  }
}
