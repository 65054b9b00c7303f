import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { exited, forkBench, hrms, message } from './child';
import { fillQueue, floor } from './floor';
import { scratchDir, settle } from './scratch';

/**
 * 1, 2 and 4 consumer processes draining one queue of 20,000 jobs: total jobs/s, and a
 * check that each job was handled exactly once (every name handled by one consumer only,
 * all of them in success/, nothing left in queued/ or processing/). In random order (the
 * library's default), and 4 of them oldest first (the CLI's default), where consumers
 * race for the same names.
 */
export const CONSUMER_JOBS = 20_000;
export const CONSUMER_COUNTS = [1, 2, 4];

interface Done {
  done: true;
  finishedAt: number;
  names: string[];
}
type FromConsumer = { ready: true } | Done;

/** In each child: get ready, wait for 'go', drain until the queue is empty. */
function consumerChild(): void {
  const { queue, randomize } = JSON.parse(process.argv[2]) as { queue: string; randomize: boolean };
  const q = new Pacchettino(queue);
  const names: string[] = [];
  q.onData = (job) => {
    names.push(job.name);
    return 'SUCCESS';
  };
  process.once('message', () => {
    void (async () => {
      while (await q.receiveOne({ randomize }));
      const finishedAt = hrms();
      await q.close();
      process.send!({ done: true, finishedAt, names } satisfies FromConsumer, () => process.exit(0));
    })();
  });
  process.send!({ ready: true } satisfies FromConsumer);
}

export interface ConsumersRun {
  jobsPerSecond: number;
  exactlyOnce: boolean;
  /** jobs each consumer handled */
  shares: number[];
}

export async function drainWith(consumers: number, randomize = true): Promise<ConsumersRun> {
  const dir = scratchDir(`consumers-${consumers}${randomize ? '' : '-oldest-first'}`);
  fillQueue(dir, CONSUMER_JOBS);
  const sent = fs.readdirSync(path.join(dir, 'queued'));
  settle();
  const children = Array.from({ length: consumers }, () =>
    forkBench('consumers', { queue: dir, randomize }, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await Promise.all(children.map((c) => message(c, (m: FromConsumer) => 'ready' in m)));
  const results = children.map((c) => message(c, (m: FromConsumer) => 'done' in m));
  const goAt = hrms();
  for (const c of children) c.send('go');
  const done = await Promise.all(results);
  await Promise.all(children.map(exited));
  const seconds = (Math.max(...done.map((d) => d.finishedAt)) - goAt) / 1000;

  const handled = done.flatMap((d) => d.names);
  const unique = new Set(handled);
  const exactlyOnce =
    handled.length === CONSUMER_JOBS &&
    unique.size === CONSUMER_JOBS &&
    sent.every((n) => unique.has(n)) &&
    fs.readdirSync(path.join(dir, 'success')).length === CONSUMER_JOBS &&
    fs.readdirSync(path.join(dir, 'queued')).length === 0 &&
    fs.readdirSync(path.join(dir, 'processing')).length === 0;
  return { jobsPerSecond: CONSUMER_JOBS / seconds, exactlyOnce, shares: done.map((d) => d.names.length) };
}

/**
 * The floor forks k C consumers that each claim and finish every k-th job by name, so no
 * two ever try the same job: how the file system itself scales with more consumers.
 */
export async function measureConsumers(): Promise<{ figures: Record<string, number>; checks: Record<string, boolean>; shares: Record<string, number[]> }> {
  const figures: Record<string, number> = {};
  const checks: Record<string, boolean> = {};
  const shares: Record<string, number[]> = {};
  for (const k of CONSUMER_COUNTS) {
    const floorDir = scratchDir(`floor-consumers-${k}`);
    settle();
    const f = floor('drainby', floorDir, CONSUMER_JOBS, k);
    figures[`floor.consumers.${k}`] = CONSUMER_JOBS / f.seconds;

    const r = await drainWith(k);
    figures[`consumers.${k}`] = r.jobsPerSecond;
    checks[`consumers.${k}.exactlyOnce`] = r.exactlyOnce;
    shares[`consumers.${k}`] = r.shares;
  }
  const k = CONSUMER_COUNTS[CONSUMER_COUNTS.length - 1];
  const r = await drainWith(k, false);
  figures[`consumers.${k}.oldestFirst`] = r.jobsPerSecond;
  checks[`consumers.${k}.oldestFirst.exactlyOnce`] = r.exactlyOnce;
  shares[`consumers.${k}.oldestFirst`] = r.shares;
  return { figures, checks, shares };
}

if (require.main === module) consumerChild();
