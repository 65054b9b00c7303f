import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { HistoryTally, Layout } from 'pacchettino/internal';
import { hrms } from './child';
import { scratchDir } from './scratch';

/**
 * What the live operations cost (issue 11), each where it is paid:
 * - pause: every claim stats `.pacchettino/paused` (µs per claim);
 * - progress: a job.progress() call appends a line through one descriptor (µs per call), and
 *   only a job that reported pays the unlink after it; on a shared queue each call also
 *   asks whether the lease is due a renewal (a clock read; one write per lease/3);
 * - history: each handled job is an increment in memory (ns per job); one line per
 *   consumer per minute reaches the disk; reading the last day of a busy consumer
 *   (1,440 lines) for the chart or `stats` (ms).
 */
export const PAUSE_CHECKS = 200_000;
export const PROGRESS_CALLS = 10_000;
export const TALLY_COUNTS = 1_000_000;

/** µs per job.progress() call, PROGRESS_CALLS of them in one job's handler. */
async function progressCost(q: Pacchettino): Promise<number> {
  q.sendData('progress');
  let us = 0;
  q.onData = (job) => {
    // Warmed up first, so neither queue's figure carries the JIT's first compile of the path.
    for (let i = 0; i < PROGRESS_CALLS / 10; i++) job.progress(0, 'warming up');
    const t0 = hrms();
    for (let i = 0; i < PROGRESS_CALLS; i++) job.progress((100 * i) / PROGRESS_CALLS, 'resizing');
    us = ((hrms() - t0) * 1000) / PROGRESS_CALLS;
    return 'SUCCESS';
  };
  if (!(await q.receiveOne())) throw new Error('the progress job was not handled');
  return us;
}

export async function measureLive(): Promise<Record<string, number>> {
  const dir = scratchDir('live');
  const q = new Pacchettino(dir);

  let paused = 0;
  let t = hrms();
  for (let i = 0; i < PAUSE_CHECKS; i++) if (q.isPaused) paused++;
  const pauseUs = ((hrms() - t) * 1000) / PAUSE_CHECKS;
  if (paused) throw new Error('the bench queue was paused');

  const progressUs = await progressCost(q);
  const shared = new Pacchettino(scratchDir('live-shared'), { shared: true });
  const progressSharedUs = await progressCost(shared);
  await shared.close();

  const layout = new Layout(dir);
  const tally = new HistoryTally(layout);
  t = hrms();
  for (let i = 0; i < TALLY_COUNTS; i++) tally.count(i % 10 ? 'SUCCESS' : 'FAILED');
  const tallyNs = ((hrms() - t) * 1e6) / TALLY_COUNTS;
  tally.flush();

  // A day of one busy consumer: a line a minute, as it writes them.
  const now = Date.now();
  const file = path.join(layout.history, `${new Date(now).toISOString().slice(0, 10)}.log`);
  const lines: string[] = [];
  for (let m = 0; m < 1440; m++) lines.push(`${now - (now % 60_000) - m * 60_000} s700 f12 r3 q${m}`);
  fs.appendFileSync(file, lines.join('\n') + '\n');
  const lineBytes = Buffer.byteLength(lines[0]) + 1;
  t = hrms();
  for (let i = 0; i < 20; i++) q.stats('day');
  const statsDayMs = (hrms() - t) / 20;
  await q.close();
  return {
    'live.pauseCheck': pauseUs,
    'live.progress': progressUs,
    'live.progressShared': progressSharedUs,
    'live.tally': tallyNs,
    'live.historyLine': lineBytes,
    'live.statsDay': statsDayMs,
  };
}
