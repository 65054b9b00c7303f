import { printable } from './output';
import { StartBackoff } from './startBackoff';

/**
 * Failed starts in a row after which `consume` stops taking jobs (systemd's StartLimitBurst is 5
 * too). Each costs the job the handler was given, so at most this many jobs (plus one per other
 * --concurrency runner starting at the same moment) are FAILED by a handler that cannot work.
 */
export const CRASH_LOOP_STARTS = 5;

/** What a long-lived runner (persistent handler, module thread) tells the guard about each handler it starts. */
export interface StartWatch {
  /** The handler answered a job: it works, and the streak of failed starts is over. */
  answered(): void;
  /**
   * The handler ended (died, or misbehaved and was stopped) before answering any job; `reason`
   * is why. `timedOut`: it was stopped for outliving --timeout on its first job.
   */
  failedStart(reason: string, timedOut?: boolean): void;
}

/**
 * The crash-loop guard of `consume --persistent` and `--module` (as Kubernetes' CrashLoopBackOff
 * and systemd's start limit): a handler that cannot answer a single job (a typo in its script, a
 * missing interpreter, a module that throws as it loads) would otherwise fail every job in the
 * queue in seconds, each restart at once. After a failed start the consumer waits before its
 * next claim (100 ms doubling to 5 s: StartBackoff), saying so on stderr; after
 * CRASH_LOOP_STARTS in a row it stops claiming (`tripped`), and what was not handed to a handler
 * stays queued. One guard per consumer: with --concurrency N, any runner's answer ends the streak
 * (the runners run the same command, so one that answers shows the command works). A handler
 * stopped for outliving --timeout on its first job is a failed start only while no handler has
 * answered a job in this run (a --timeout nothing can meet); after that it had a slow job.
 */
export class StartGuard implements StartWatch {
  private readonly backoff = new StartBackoff();
  /** Why the last failed start failed. */
  lastReason = '';
  /** A handler answered a job in this run: the command works, and a first job outliving --timeout is a slow job, not a failed start. */
  private everAnswered = false;
  /** Failed starts of the streak that were timeouts, for the wording. */
  private timeouts = 0;

  /** Called once, when the streak reaches CRASH_LOOP_STARTS: stop claiming. */
  onTripped?: () => void;

  get tripped(): boolean {
    return this.backoff.failures >= CRASH_LOOP_STARTS;
  }

  answered(): void {
    this.everAnswered = true;
    this.timeouts = 0;
    this.backoff.started();
  }

  failedStart(reason: string, timedOut = false): void {
    if (this.tripped || (timedOut && this.everAnswered)) return;
    this.lastReason = printable(reason);
    if (timedOut) this.timeouts++;
    const delayMs = this.backoff.failed();
    if (this.tripped) {
      this.stop();
      return this.onTripped?.();
    }
    const what = timedOut ? 'the handler timed out on its first job, and no handler has answered a job yet' : 'the handler died before answering any job';
    process.stderr.write(
      `pacchettino: warning: ${what} (${this.lastReason}); ` +
        `next start in ${delayMs} ms (${this.backoff.failures} in a row; consume stops at ${CRASH_LOOP_STARTS})\n`,
    );
  }

  /** Before a claim: the backoff after a failed start, if the streak is on. */
  wait(): Promise<void> {
    return this.backoff.wait();
  }

  /** Ends every wait at once (a signal, the guard tripped). */
  stop(): void {
    this.backoff.stop();
  }

  /** The line `consume` ends with when the guard tripped. */
  get message(): string {
    const what = this.timeouts > 0 ? 'died or timed out' : 'died';
    return `the handler ${what} before answering any job ${CRASH_LOOP_STARTS} times in a row (last: ${this.lastReason}); consume stopped taking jobs, the rest stays queued`;
  }
}
