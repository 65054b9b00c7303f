import { setTimeout as sleep } from 'node:timers/promises';

const FIRST_MS = 100;
const MAX_MS = 5000;

/**
 * How long a consumer waits before its next claim after a job could not start, or the
 * queue could not be read, for want of descriptors or processes or of a file system that
 * answers: 100 ms, doubling to
 * 5 s while it goes on, back to nothing once a job starts. Shared by every loop of one
 * consumer, so --concurrency 4 backs off as one. stop() ends every wait at once.
 */
export class StartBackoff {
  private delayMs = 0;
  /** Failures in a row since the last job that started. */
  failures = 0;
  private readonly stopping = new AbortController();

  failed(): number {
    this.delayMs = Math.min(MAX_MS, Math.max(FIRST_MS, this.delayMs * 2));
    this.failures++;
    return this.delayMs;
  }

  started(): void {
    this.delayMs = 0;
    this.failures = 0;
  }

  async wait(): Promise<void> {
    if (this.delayMs === 0) return;
    await sleep(this.delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }

  stop(): void {
    this.stopping.abort();
  }
}
