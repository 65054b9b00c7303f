import { FolderWatch } from './folderWatch';
import { FolderPoll } from './folderPoll';

/** With a working watch, still look this often: a missed event must cost a second, not a stuck consumer. */
const WATCHED_RECHECK_MS = 1000;

/**
 * Wakes consumers waiting on an empty queue when a job lands. Uses a file-system watch
 * (inotify on Linux) on the folders jobs arrive in; where watching fails (network file
 * systems, inotify limits) it falls back to polling every `pollMs`. On a shared queue
 * (`remotePollMs` set) it also stats the folders that often, since no watch sees what other
 * machines do (FolderPoll); a waiter wakes when a stat moved.
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

  private readonly poll: FolderPoll | undefined;

  constructor(
    private readonly dirs: string[],
    private readonly pollMs: number,
    private readonly useWatch: boolean,
    private readonly remotePollMs?: number,
  ) {
    this.poll = remotePollMs !== undefined ? new FolderPoll(dirs) : undefined;
  }

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
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const end = Date.now() + Math.min(ms, cap);
      const poll = this.poll;
      const remoteMs = this.remotePollMs;
      if (poll && remoteMs !== undefined && remoteMs < Math.min(ms, cap)) {
        poll.changed(); // what the folders look like now, as the caller just looked
        const tick = () => {
          if (poll.changed() || Date.now() >= end) return done();
          timer = setTimeout(tick, Math.min(remoteMs, Math.max(0, end - Date.now())));
        };
        timer = setTimeout(tick, remoteMs);
      } else {
        timer = setTimeout(done, Math.min(ms, cap));
      }
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
