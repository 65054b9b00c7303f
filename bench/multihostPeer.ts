/**
 * What bench/multihost.ts runs on a simulated host (in its PID namespace, on its own mount of
 * the shared queue): one role per process, given as JSON in argv[2]; it reports on stdout,
 * one line each, `<word> <json>`. Times are CLOCK_MONOTONIC (process.hrtime), which every
 * process of this machine shares whatever its namespaces, so hosts' times compare.
 *
 * - pickup: waits for jobs; each job carries its send time; reports the latencies of `n` jobs.
 * - send: sends `n` jobs, one every `minGapMs`–`maxGapMs` (random, so sends fall anywhere in the poll's period).
 * - hold: takes one job and never finishes it (until the host is killed), lease `lease`.
 * - sweep: waits for jobs (so sweeps for dead owners every second), lease `lease`.
 * - drain: takes jobs until none is left; reports how many and when it started and ended.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino } from 'pacchettino';

type Role =
  | { role: 'pickup'; queue: string; n: number }
  | { role: 'send'; queue: string; n: number; minGapMs: number; maxGapMs: number }
  | { role: 'hold' | 'sweep'; queue: string; lease: number }
  | { role: 'drain'; queue: string };

const nowNs = () => process.hrtime.bigint();
const say = (word: string, what: unknown = {}) => console.log(`${word} ${JSON.stringify(what)}`);

async function pickup(q: Pacchettino, n: number): Promise<void> {
  const latencies: number[] = [];
  q.onData = (job) => {
    latencies.push(Number(nowNs() - BigInt(job.data.toString())) / 1e6);
    return 'SUCCESS';
  };
  const first = q.receiveOne({ timeout: 120_000 }); // starts the watch and the poll, then waits
  say('ready');
  await first;
  while (latencies.length < n) if (!(await q.receiveOne({ timeout: 120_000 }))) throw new Error(`only ${latencies.length} of ${n} jobs came`);
  say('latencies', latencies);
}

async function send(q: Pacchettino, n: number, minGapMs: number, maxGapMs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await delay(minGapMs + Math.random() * (maxGapMs - minGapMs)); // the bench's own pacing, not a synchronisation
    q.sendData(String(nowNs()));
  }
  say('sent', { n });
}

async function hold(q: Pacchettino): Promise<void> {
  q.onData = (job) => {
    say('held', { id: job.id });
    return new Promise<never>(() => undefined);
  };
  await q.receiveOne({ timeout: 120_000 });
}

async function sweep(q: Pacchettino): Promise<void> {
  q.onData = () => 'SUCCESS';
  say('ready');
  for (;;) await q.receiveOne({ timeout: 120_000 });
}

async function drain(q: Pacchettino): Promise<void> {
  let n = 0;
  q.onData = () => (n++, 'SUCCESS');
  const t0 = nowNs();
  while (await q.receiveOne());
  const t1 = nowNs();
  say('drained', { n, t0: Number(t0) / 1e9, t1: Number(t1) / 1e9 });
}

async function main(r: Role): Promise<void> {
  const q = new Pacchettino(r.queue, 'lease' in r ? { lease: r.lease } : {});
  if (r.role === 'pickup') await pickup(q, r.n);
  else if (r.role === 'send') await send(q, r.n, r.minGapMs, r.maxGapMs);
  else if (r.role === 'hold') await hold(q);
  else if (r.role === 'sweep') await sweep(q);
  else await drain(q);
  await q.close();
}

main(JSON.parse(process.argv[2]) as Role).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
