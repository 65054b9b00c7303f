// Holds a tree's refreshes back so a burst of changes makes at most about one refresh a
// second, and none at all while the view is hidden (it catches up, whole, when shown).
import type * as vscode from 'vscode';

/** A lone change shows quickly; a sustained stream is held to one refresh per second. */
const QUICK_DELAY_MS = 100;
const STREAM_DELAY_MS = 1000;

export class RefreshBatcher<T> implements vscode.Disposable {
  private readonly pending = new Set<T>();
  private all = false;
  /** Changes arrived while the view was hidden: refresh everything on show. */
  private staleWhileHidden = false;
  private timer?: NodeJS.Timeout;
  private lastFlush = 0;

  /** `fire(undefined)` refreshes everything; `hidden` says whether the view is out of sight. */
  constructor(
    private readonly fire: (nodes: ReadonlySet<T> | undefined) => void,
    private readonly hidden: () => boolean,
  ) {}

  /** Everything again; `soon` skips the stream delay (a user's click, a restart). */
  everything(soon: boolean): void {
    this.all = true;
    this.schedule(soon);
  }

  nodes(nodes: Iterable<T>): void {
    for (const n of nodes) this.pending.add(n);
    if (this.pending.size > 0) this.schedule(false);
  }

  /** The view came into sight: catch up on what changed meanwhile. */
  shown(): void {
    if (this.staleWhileHidden) this.everything(true);
  }

  /** Fires at once what is held back (a reveal must come after it). */
  flushNow(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.flush();
  }

  private schedule(soon: boolean): void {
    if (this.hidden()) {
      this.staleWhileHidden = true;
      this.all = false;
      this.pending.clear();
      return;
    }
    if (this.timer) return;
    const delay = soon || Date.now() - this.lastFlush > STREAM_DELAY_MS ? QUICK_DELAY_MS : STREAM_DELAY_MS;
    this.timer = setTimeout(() => this.flush(), delay);
  }

  private flush(): void {
    this.timer = undefined;
    this.lastFlush = Date.now();
    this.staleWhileHidden = false;
    const nodes = this.all ? undefined : new Set(this.pending);
    this.all = false;
    this.pending.clear();
    this.fire(nodes);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
