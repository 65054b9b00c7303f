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
  /** The handler ended (died, or misbehaved and was stopped) before answering any job; `reason` is why. */
  failedStart(reason: string): void;
}

/**
 * The crash-loop guard of `consume --persistent` and `--module` (as Kubernetes' CrashLoopBackOff
 * and systemd's start limit): a handler that cannot answer a single job (a typo in its script, a
 * missing interpreter, a module that throws as it loads) would otherwise fail every job in the
 * queue in seconds, each restart at once. After a failed start the consumer waits before its
 * next claim (100 ms doubling to 5 s: StartBackoff), saying so on stderr; after
 * CRASH_LOOP_STARTS in a row it stops claiming (`tripped`), and what was not handed to a handler
 * stays queued. One guard per consumer: with --concurrency N, any runner's answer ends the streak
 * (the runners run the same command, so one that answers shows the command works).
 */
export class StartGuard implements StartWatch {
  private readonly backoff = new StartBackoff();
  /** Why the last failed start failed. */
  lastReason = '';

  /** Called once, when the streak reaches CRASH_LOOP_STARTS: stop claiming. */
  onTripped?: () => void;

  get tripped(): boolean {
    return this.backoff.failures >= CRASH_LOOP_STARTS;
  }

  answered(): void {
    this.backoff.started();
  }

  failedStart(reason: string): void {
    if (this.tripped) return;
    this.lastReason = printable(reason);
    const delayMs = this.backoff.failed();
    if (this.tripped) {
      this.stop();
      return this.onTripped?.();
    }
    process.stderr.write(
      `pacchettino: warning: the handler died before answering any job (${this.lastReason}); ` +
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
    return `the handler died before answering any job ${CRASH_LOOP_STARTS} times in a row (last: ${this.lastReason}); consume stopped taking jobs, the rest stays queued`;
  }
}
