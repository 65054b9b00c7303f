import * as fs from 'node:fs';
import { entryPath, type Layout } from './layout';
import { isJobEntry } from './listingOrder';

/** One bucket of the throughput picture. */
export interface StatsBucket {
  /** Start of the bucket, ms since epoch. */
  start: number;
  success: number;
  failed: number;
  retried: number;
  interrupted: number;
  /** Jobs queued at the bucket's last sample; undefined when nothing sampled it. */
  depth?: number;
}

export interface QueueStats {
  bucketMs: number;
  buckets: StatsBucket[];
}

export type StatsWindow = 'hour' | 'day';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The last hour by the minute; the last day by the quarter hour (96 bars read better than 1,440). */
export const WINDOWS: Record<StatsWindow, { spanMs: number; bucketMs: number }> = {
  hour: { spanMs: 60 * MINUTE, bucketMs: MINUTE },
  day: { spanMs: DAY, bucketMs: 15 * MINUTE },
};
/** Day files older than this are deleted when a new day's file is started. */
const KEEP_DAYS = 2;

type Tally = Omit<StatsBucket, 'start' | 'depth'>;

/**
 * A compact history, `.pacchettino/history/<UTC date>.log`, because the files cannot tell
 * it: finished jobs may not be kept, and a folder has no memory of how deep it was.
 * Each consumer counts its results per minute in memory and appends one line per minute
 * in which it finished anything (`<minute ms> s<n> f<n> r<n> i<n> q<queued>`); a sweep
 * appends its interruptions, and the VS Code worker appends a depth sample per minute.
 * So a job costs an increment, not a write; a busy consumer writes ~40 bytes a minute
 * (58 KB a day). Lines are appended with O_APPEND and are far under PIPE_BUF, so lines of
 * several processes never interleave. A consumer killed mid-minute loses that minute's
 * tally: the picture is a picture, not an audit log.
 */
export class HistoryTally {
  private minute = -1;
  private tally: Tally = empty();
  private timer?: NodeJS.Timeout;

  constructor(private readonly layout: Layout) {}

  count(result: 'SUCCESS' | 'FAILED' | 'RETRY', now = Date.now()): void {
    const minute = now - (now % MINUTE);
    if (minute !== this.minute) {
      this.flush();
      this.minute = minute;
      // An idle consumer still writes its last minute, soon after the minute ends.
      this.timer = setTimeout(() => this.flush(), minute + MINUTE - now + 50);
      this.timer.unref();
    }
    if (result === 'SUCCESS') this.tally.success++;
    else if (result === 'FAILED') this.tally.failed++;
    else this.tally.retried++;
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.minute < 0) return;
    const t = this.tally;
    this.tally = empty();
    const minute = this.minute;
    this.minute = -1;
    if (t.success + t.failed + t.retried + t.interrupted === 0) return;
    appendHistory(this.layout, minute, t, queuedDepth(this.layout));
  }
}

/** Jobs dropped by a recovery sweep, counted in the minute they were found. */
export function recordInterrupted(layout: Layout, n: number, now = Date.now()): void {
  if (n > 0) appendHistory(layout, now - (now % MINUTE), { ...empty(), interrupted: n }, undefined);
}

/** A depth sample alone (the worker's, once a minute while VS Code runs). */
export function recordDepth(layout: Layout, now = Date.now()): void {
  appendHistory(layout, now - (now % MINUTE), empty(), queuedDepth(layout));
}

function appendHistory(layout: Layout, minute: number, t: Tally, depth: number | undefined): void {
  let line = `${minute}`;
  if (t.success) line += ` s${t.success}`;
  if (t.failed) line += ` f${t.failed}`;
  if (t.retried) line += ` r${t.retried}`;
  if (t.interrupted) line += ` i${t.interrupted}`;
  if (depth !== undefined) line += ` q${depth}`;
  const file = dayFile(layout, minute);
  try {
    let fresh = false;
    try {
      fs.appendFileSync(file, line + '\n', { flag: 'ax' });
      fresh = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        fs.mkdirSync(layout.history); // not recursive: a queue removed meanwhile must not come back
        fs.appendFileSync(file, line + '\n', { flag: 'ax' });
        fresh = true;
      } else if ((err as NodeJS.ErrnoException).code === 'EEXIST') fs.appendFileSync(file, line + '\n');
      else throw err;
    }
    if (fresh) dropOldDays(layout, minute);
  } catch {
    /* the history is a picture: never worth failing a job over (a full disk, say) */
  }
}

function dayFile(layout: Layout, ms: number): string {
  return entryPath(layout.history, `${new Date(ms).toISOString().slice(0, 10)}.log`);
}

function dropOldDays(layout: Layout, now: number): void {
  const oldest = new Date(now - KEEP_DAYS * DAY).toISOString().slice(0, 10);
  for (const name of fs.readdirSync(layout.history)) {
    if (/^\d{4}-\d\d-\d\d\.log$/.test(name) && name.slice(0, 10) < oldest) fs.rmSync(entryPath(layout.history, name), { force: true });
  }
}

function queuedDepth(layout: Layout): number | undefined {
  try {
    return fs.readdirSync(layout.queued).filter(isJobEntry).length;
  } catch {
    return undefined;
  }
}

/** The throughput picture of the last hour or day, from the history files. Never throws on a damaged line. */
export function readStats(layout: Layout, window: StatsWindow, now = Date.now()): QueueStats {
  const { spanMs, bucketMs } = WINDOWS[window];
  const end = now - (now % bucketMs) + bucketMs;
  const start = end - spanMs;
  const buckets: StatsBucket[] = [];
  for (let t = start; t < end; t += bucketMs) buckets.push({ start: t, ...empty() });
  const depthAt: (number | undefined)[] = buckets.map(() => undefined);
  const depthMinute: number[] = buckets.map(() => -1);
  for (const file of new Set([dayFile(layout, start), dayFile(layout, now)])) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const fields = line.split(' ');
      const minute = Number(fields[0]);
      if (!Number.isFinite(minute) || minute < start || minute >= end) continue;
      const i = Math.floor((minute - start) / bucketMs);
      const b = buckets[i];
      for (const f of fields.slice(1)) {
        const n = Number(f.slice(1));
        if (!Number.isSafeInteger(n) || n < 0) continue;
        if (f[0] === 's') b.success += n;
        else if (f[0] === 'f') b.failed += n;
        else if (f[0] === 'r') b.retried += n;
        else if (f[0] === 'i') b.interrupted += n;
        else if (f[0] === 'q' && minute >= depthMinute[i]) {
          // The latest sample in the bucket; several in one minute (two consumers): the larger.
          depthAt[i] = minute > depthMinute[i] ? n : Math.max(n, depthAt[i] ?? 0);
          depthMinute[i] = minute;
        }
      }
    }
  }
  buckets.forEach((b, i) => {
    if (depthAt[i] !== undefined) b.depth = depthAt[i];
  });
  return { bucketMs, buckets };
}

function empty(): Tally {
  return { success: 0, failed: 0, retried: 0, interrupted: 0 };
}
