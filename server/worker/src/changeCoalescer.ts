/**
 * Gathers "this queue changed" marks and flushes them in batches: a trailing debounce
 * (a quiet spell of `quietMs` ends a burst) capped by `maxWaitMs`, so a steady stream
 * still shows progress. 10,000 jobs landing in a few seconds become a handful of
 * flushes instead of 10,000 notifications the client would have to redraw for.
 */
export interface CoalescerOptions {
  quietMs: number;
  maxWaitMs: number;
}

export const DEFAULT_COALESCING: CoalescerOptions = { quietMs: 100, maxWaitMs: 500 };

export class ChangeCoalescer<K> {
  private pending = new Set<K>();
  private quietTimer?: NodeJS.Timeout;
  private maxTimer?: NodeJS.Timeout;

  constructor(
    private readonly flush: (keys: Set<K>) => void,
    private readonly options: CoalescerOptions = DEFAULT_COALESCING,
  ) {}

  mark(key: K): void {
    this.pending.add(key);
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.fire(), this.options.quietMs);
    this.maxTimer ??= setTimeout(() => this.fire(), this.options.maxWaitMs);
  }

  /** Drops pending marks of a key that no longer exists (a queue removed from the settings). */
  forget(key: K): void {
    this.pending.delete(key);
  }

  dispose(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
    this.pending.clear();
  }

  private fire(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
    const keys = this.pending;
    this.pending = new Set();
    // Marks made during the flush (a flush that promotes due jobs) start the next batch.
    if (keys.size > 0) this.flush(keys);
  }
}
