import { FolderWatch } from './folderWatch';

/** With a working watch, still look this often: a missed event must cost a second, not a stuck consumer. */
const WATCHED_RECHECK_MS = 1000;

/**
 * Wakes consumers waiting on an empty queue when a job lands. Uses a file-system watch
 * (inotify on Linux) on the folders jobs arrive in; where watching fails (network file
 * systems, inotify limits) it falls back to polling every `pollMs`.
 *
 * Callers read `generation` before they look at the queue and pass it to wait(): an
 * event between the look and the wait then returns at once instead of being missed.
 */
export class Wakeup {
  // A failed watch closes itself (FolderWatch): waits then poll every pollMs.
  private readonly watch = new FolderWatch(
    () => this.notify(),
    () => undefined,
  );
  private started = false;
  private waiters = new Set<() => void>();
  generation = 0;

  constructor(
    private readonly dirs: string[],
    private readonly pollMs: number,
    private readonly useWatch: boolean,
  ) {}

  get watching(): boolean {
    return this.watch.active;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.useWatch) this.watch.start(this.dirs);
  }

  /** Resolves on the next change after `since`, or after at most `ms`. */
  wait(since: number, ms: number): Promise<void> {
    if (this.generation !== since || ms <= 0) return Promise.resolve();
    const cap = this.watching ? WATCHED_RECHECK_MS : this.pollMs;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, cap));
      this.waiters.add(done);
    });
  }

  /** Something changed (a watch event, or our own stop()): wake every waiter. */
  notify(): void {
    this.generation++;
    for (const w of [...this.waiters]) w();
  }

  close(): void {
    this.watch.close();
    this.notify();
  }
}
