import * as fs from 'node:fs';
import type { Layout, Pacchettino } from 'pacchettino';
import type { QueueSummary } from '@pacchettino/shared';

/**
 * What a queue's summary says beyond its counts: paused or not, how many consumers, and
 * when a running job last reported progress. They live in our own folders, which the
 * state-folder fingerprint does not cover, so these folders are watched and stamped too.
 */
export function liveDirs(layout: Layout): string[] {
  return [layout.extra, layout.progress, layout.consumers].filter((d) => statOf(d)?.isDirectory());
}

/** Stats only, for polling: moves when the pause marker, a progress file or a registration changes. */
export function liveStamp(layout: Layout): string {
  return [layout.paused, layout.progress, layout.consumers].map((p) => statOf(p)?.ctimeMs ?? '-').join(' ');
}

/**
 * Our folders are extras: one that cannot be read (a file where .pacchettino/ should be)
 * leaves these fields out rather than failing the summary, whose counts are still true.
 */
export function liveSummary(queue: Pacchettino, running: number): Pick<QueueSummary, 'paused' | 'consumers' | 'progress'> {
  const out: Pick<QueueSummary, 'paused' | 'consumers' | 'progress'> = {};
  try {
    out.paused = queue.pausedBy()?.since;
    out.consumers = queue.consumers().length;
  } catch {
    /* see above */
  }
  // Only while jobs run: a stamp of a finished queue would say "changed" for nothing.
  if (running > 0) out.progress = statOf(queue.layout.progress)?.ctimeMs;
  if (out.paused === undefined) delete out.paused;
  if (out.progress === undefined) delete out.progress;
  return out;
}

function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR, EACCES: as if absent
  }
}
