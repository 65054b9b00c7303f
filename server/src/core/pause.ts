import * as fs from 'node:fs';
import * as os from 'node:os';
import { errnoOf, fsFailure } from './errors';
import type { Layout } from './layout';
import { NOT_REGULAR, readQueueFile } from './queueFile';

/** Who paused a queue and when, as written in `.pacchettino/paused`. */
export interface PauseInfo {
  since: number;
  host: string;
  pid: number;
}

/**
 * Pausing a queue is one file, `.pacchettino/paused`: our consumers look for it before each
 * claim and take no job while it exists; the job in hand is finished. Creating it is the
 * whole operation (a consumer that looked just before still claims that one job), and
 * removing it resumes. Consumers watch `.pacchettino/`, so a resume wakes them at once.
 * The original's consumers never look there: they keep consuming a paused queue.
 */
export function pauseQueue(layout: Layout): PauseInfo {
  const existing = readPause(layout);
  if (existing) return existing;
  const info: PauseInfo = { since: Date.now(), host: os.hostname(), pid: process.pid };
  try {
    fs.writeFileSync(layout.paused, JSON.stringify(info) + '\n');
  } catch (err) {
    throw fsFailure(`pausing queue ${layout.base}`, err);
  }
  return info;
}

/** Returns whether the queue was paused. */
export function resumeQueue(layout: Layout): boolean {
  try {
    fs.unlinkSync(layout.paused);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw fsFailure(`resuming queue ${layout.base}`, err);
  }
}

/** One stat: what a consumer pays per claim to honour a pause. A marker that cannot be looked at pauses nothing. */
export function isPaused(layout: Layout): boolean {
  try {
    return fs.statSync(layout.paused, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** Who paused the queue and when; a marker made by hand (empty, not JSON) still pauses, with its mtime as the time. */
export function readPause(layout: Layout): PauseInfo | undefined {
  let text: string;
  let st: fs.Stats;
  try {
    st = fs.statSync(layout.paused);
    text = readQueueFile(layout.paused);
  } catch (err) {
    // No marker; or something laid there by hand that is no marker of ours (a FIFO, a link).
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR' || errnoOf(err) === NOT_REGULAR || errnoOf(err) === 'ELOOP') return undefined;
    throw fsFailure(`reading the pause marker of ${layout.base}`, err);
  }
  try {
    const info = JSON.parse(text) as Partial<PauseInfo>;
    if (typeof info.since === 'number') return { since: info.since, host: String(info.host ?? ''), pid: Number(info.pid ?? 0) };
  } catch {
    /* a hand-made marker */
  }
  return { since: st.mtimeMs, host: '', pid: 0 };
}
