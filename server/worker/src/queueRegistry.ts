import * as path from 'node:path';
import { ResponseError } from 'vscode-languageserver/node';
import type { Pacchettino } from 'pacchettino';
import { WorkerErrorCodes, type QueueSummary, type WorkerSettings } from '@pacchettino/shared';
import { ChangeCoalescer, DEFAULT_COALESCING, type CoalescerOptions } from './changeCoalescer';
import { WatchedQueue } from './watchedQueue';
import type { WorkerLog } from './workerLog';

export interface RegistryOptions {
  coalescing: CoalescerOptions;
}

/** One depth sample per queue per minute: the history's resolution. */
const DEPTH_SAMPLE_MS = 60_000;

const DEFAULTS: RegistryOptions = { coalescing: DEFAULT_COALESCING };

/** WorkerSettings.pollInterval's default, in seconds. */
const DEFAULT_POLL_S = 1;

/**
 * Every configured queue, keyed by its resolved path, and the worker's clocks: the
 * recovery sweep, the poll, and the coalescer that turns change marks into a few
 * ChangedNotifications. Requests find their queue here and nowhere else.
 */
export class QueueRegistry {
  private queues = new Map<string, WatchedQueue>();
  private readonly coalescer: ChangeCoalescer<string>;
  private readonly options: RegistryOptions;
  private sweepTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  /**
   * Requests that change a queue are refused (queueAccess.ts). The worker's own sweeps and
   * promotions go on: any consumer would do them, and they lose nothing.
   */
  readOnly = false;
  private depthTimer?: NodeJS.Timeout;

  constructor(
    /** Sends the summaries of queues that changed (the ChangedNotification). */
    private readonly publish: (queues: QueueSummary[]) => void,
    private readonly log: WorkerLog,
    options: Partial<RegistryOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.coalescer = new ChangeCoalescer((keys) => this.flush(keys), this.options.coalescing);
  }

  /**
   * Applies new settings: queues no longer listed are let go, new ones opened (creating
   * their folders, as any consumer would) and swept at once; queues whose settings did
   * not change keep their watches and cached listings.
   */
  configure(settings: WorkerSettings): QueueSummary[] {
    this.readOnly = settings.readOnly ?? false;
    const wanted = {
      keep: settings.keep,
      watch: settings.watch ?? true,
      lease: settings.lease !== undefined ? settings.lease * 1000 : undefined,
      shared: settings.shared,
    };
    const next = new Map<string, WatchedQueue>();
    for (const raw of settings.queues) {
      const key = path.resolve(raw);
      if (next.has(key)) continue;
      const old = this.queues.get(key);
      if (
        old &&
        sameStates(old.settings.keep, wanted.keep) &&
        old.settings.watch === wanted.watch &&
        old.settings.lease === wanted.lease &&
        old.settings.shared === wanted.shared
      ) {
        // Configuring again is the user's way to say "try again" (after fixing permissions, say).
        if (old.failing) old.openCreating();
        next.set(key, old);
        continue;
      }
      old?.close();
      const q = new WatchedQueue(key, wanted, () => this.coalescer.mark(key), this.log);
      q.openCreating();
      q.sweep();
      next.set(key, q);
    }
    for (const [key, q] of this.queues) {
      if (next.get(key) !== q) {
        q.close();
        this.coalescer.forget(key);
      }
    }
    this.queues = next;
    this.restartClocks(settings.recoveryInterval, settings.pollInterval ?? DEFAULT_POLL_S);
    this.log.info(`Watching ${next.size} queue(s); recovery sweep every ${settings.recoveryInterval} s`);
    return this.summaries();
  }

  /** Fresh summaries of every configured queue, in the settings' order, for a reply: the client is told, as by a notification. */
  summaries(): QueueSummary[] {
    return [...this.queues.values()].map((q) => {
      const s = q.summary();
      q.acknowledge();
      return s;
    });
  }

  /** Every configured queue's path, in the settings' order. */
  paths(): string[] {
    return [...this.queues.keys()];
  }

  /** The core of a configured, readable queue; otherwise an error reply that says which. */
  open(queuePath: string): Pacchettino {
    return this.get(queuePath).pacchettino();
  }

  get(queuePath: string): WatchedQueue {
    const q = this.queues.get(path.resolve(queuePath));
    if (!q) {
      throw new ResponseError(
        WorkerErrorCodes.UnknownQueue,
        `${queuePath} is not a configured queue (configured: ${[...this.queues.keys()].join(', ') || 'none'})`,
      );
    }
    return q;
  }

  /** Something was done to this queue (by a request): tell the client soon, even when only polling. */
  changed(queuePath: string): void {
    const key = path.resolve(queuePath);
    if (this.queues.has(key)) this.coalescer.mark(key);
  }

  /** Sweeps one queue, or every readable one; returns how many jobs went to interrupted/. */
  recover(queuePath?: string): number {
    if (queuePath !== undefined) return this.get(queuePath).recoverNow();
    let n = 0;
    for (const q of this.queues.values()) n += q.sweep();
    return n;
  }

  dispose(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.pollTimer);
    clearInterval(this.depthTimer);
    this.coalescer.dispose();
    for (const q of this.queues.values()) q.close();
    this.queues.clear();
  }

  private restartClocks(recoveryIntervalS: number, pollS: number): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.pollTimer);
    this.sweepTimer = setInterval(() => {
      for (const q of this.queues.values()) q.sweep();
    }, recoveryIntervalS * 1000);
    // Also covers watched queues: a dropped event (inotify overflow) costs a poll interval, not a stale view.
    this.pollTimer = setInterval(() => {
      for (const q of this.queues.values()) q.poll();
    }, pollS * 1000);
    // The connection keeps the process alive; the clocks must not once it has gone.
    // The throughput history's depth line, also while no consumer runs (see core history.ts).
    clearInterval(this.depthTimer);
    this.depthTimer = setInterval(() => {
      for (const q of this.queues.values()) q.sampleDepth();
    }, DEPTH_SAMPLE_MS);
    this.sweepTimer.unref();
    this.pollTimer.unref();
    this.depthTimer.unref();
  }

  private flush(keys: Set<string>): void {
    const changed: QueueSummary[] = [];
    for (const key of keys) {
      const q = this.queues.get(key);
      if (!q) continue;
      try {
        changed.push(q.summary());
        q.acknowledge();
      } catch (err) {
        // summary() reports folder trouble as an error field; reaching here is a bug, not a reason to stop telling.
        this.log.error(`Summarising ${key} failed: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
    if (changed.length > 0) this.publish(changed);
  }
}

function sameStates(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s) => b.includes(s));
}
