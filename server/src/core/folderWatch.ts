import * as fs from 'node:fs';

/**
 * fs.watch on a queue's folders, as one switch: the consumer's Wakeup and the worker's
 * WatchedQueue both watch through it, and each polls its own way while it is off. Any event means "look again"; the event's
 * kind and file name are ignored, since a listing is what tells the truth (events can be
 * coalesced or dropped by the kernel). If a watch cannot be set up or later fails
 * (inotify limits, network file systems), all of them are closed and `active` turns
 * false: the queue is then polled, which is slower but never wrong.
 */
export class FolderWatch {
  private watchers: fs.FSWatcher[] = [];

  constructor(
    private readonly onEvent: () => void,
    private readonly onFailure: (err: unknown) => void,
  ) {}

  get active(): boolean {
    return this.watchers.length > 0;
  }

  /** Replaces any previous watches; returns whether all folders are now watched. */
  start(dirs: string[]): boolean {
    this.close();
    try {
      for (const dir of dirs) {
        // persistent: false, so watches alone never keep the process alive after its connection ends.
        const w = fs.watch(dir, { persistent: false }, () => this.onEvent());
        w.on('error', (err) => this.fail(err));
        this.watchers.push(w);
      }
      return true;
    } catch (err) {
      this.close();
      this.onFailure(err);
      return false;
    }
  }

  close(): void {
    const ws = this.watchers;
    this.watchers = [];
    for (const w of ws) {
      try {
        w.close();
      } catch {
        /* already closed by its own error */
      }
    }
  }

  /** Once per start: the watchers closed here raise no further errors. */
  private fail(err: unknown): void {
    if (!this.active) return;
    this.close();
    this.onFailure(err);
  }
}
