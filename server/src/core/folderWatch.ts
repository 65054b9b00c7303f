import * as fs from 'node:fs';
import { nameFromBytes } from './fsName';

/**
 * What a watch says happened in a folder: `name` came, went or changed (look it up to
 * learn which), or, with no name, anything may have (events were lost: list it again).
 */
export type FolderEvent = (dir: string, name: string | undefined) => void;

/**
 * fs.watch on a queue's folders, as one switch: the consumer's Wakeup and the worker's
 * WatchedQueue both watch through it, and each polls its own way while it is off. An event
 * names the entry it is about (inotify does; the kernel may still coalesce or drop events,
 * so a name is a hint to look, never the news itself). If a watch cannot be set up or later
 * fails (inotify limits, network file systems), all of them are closed and `active` turns
 * false: the queue is then polled, which is slower but never wrong.
 */
export class FolderWatch {
  private watchers: fs.FSWatcher[] = [];
  private dirs: string[] = [];

  constructor(
    private readonly onEvent: FolderEvent,
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
        // Names as bytes: Node decodes them as UTF-8 otherwise, and a Latin-1 name would name no file.
        const w = fs.watch(dir, { persistent: false, encoding: 'buffer' }, (_kind, name) => this.event(dir, name));
        w.on('error', (err) => this.fail(err));
        this.watchers.push(w);
      }
      this.dirs = dirs;
      live.add(this);
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
    this.dirs = [];
    live.delete(this);
    for (const w of ws) {
      try {
        w.close();
      } catch {
        /* already closed by its own error */
      }
    }
  }

  private event(dir: string, name: Buffer | null): void {
    this.onEvent(dir, name ? nameFromBytes(name) : undefined);
    countEvent();
  }

  /** Once per start: the watchers closed here raise no further errors. */
  private fail(err: unknown): void {
    if (!this.active) return;
    this.close();
    this.onFailure(err);
  }

  /** Events may have been lost (see LOSS_THRESHOLD): every folder is "anything may have changed". */
  eventsLost(): void {
    for (const dir of this.dirs) this.onEvent(dir, undefined);
  }

  /**
   * Resolves once the events the kernel already holds for this process's watches have been
   * handed to their listeners: for a reader that must see a change made before it asked
   * (read your writes). libuv reads the inotify queue in the loop's poll phase; two turns
   * of setImmediate always span one poll phase, whichever phase the caller is in.
   */
  static delivered(): Promise<void> {
    return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
  }
}

/** Every started FolderWatch of the process: they share libuv's one inotify queue, so a loss hits all of them. */
const live = new Set<FolderWatch>();

/**
 * inotify drops events once max_queued_events are waiting and libuv says nothing of the
 * overflow (it skips the kernel's IN_Q_OVERFLOW, which names no watch). But libuv reads the
 * queue until it is empty in one go, so a queue that overflowed arrives as at least
 * max_queued_events events before the loop turns. Half of that in one turn is taken as a
 * loss: at worst a folder is listed once more than it needed.
 */
const LOSS_THRESHOLD = Math.max(1, Math.floor(maxQueuedEvents() / 2));
let eventsThisTurn = 0;

function countEvent(): void {
  if (eventsThisTurn === 0) setImmediate(() => (eventsThisTurn = 0));
  if (++eventsThisTurn === LOSS_THRESHOLD) for (const w of [...live]) w.eventsLost();
}

function maxQueuedEvents(): number {
  try {
    const n = Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : 16_384;
  } catch {
    return 16_384; // the kernel's default; not Linux: the caller's own checks apply
  }
}
