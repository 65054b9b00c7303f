import { measureCliConsumer } from '../cliConsumer';
import { floor } from '../floor';
import { scratchDir, settle } from '../scratch';
import { DATA_BYTES } from '../send';
import { percentile } from '../stats';
import { WAKEUP_INTERVAL_MS, WAKEUP_JOBS } from '../wakeup';
import { bullmq } from './bullmq';
import { dirq } from './dirq';
import { ensurePeers } from './install';
import { ours } from './ours';
import { plainjob } from './plainjob';
import { startRedis, type Redis } from './redis';
import { handledOnce, latency, start, type Drained, type Op, type Place, type Sent, type System } from './system';

/**
 * BENCH_ONLY=peers: the queues a user would pick instead, side by side with ours and the C
 * floor in the same run, each step in a fresh process after a `sync`, in the same order
 * every time (floor, ours, then the peers). Figures go in as `peers.<row>.<system>`; every
 * drain's exactly-once check as `peers.<row>.<system>.onceEach`.
 */
export const PEER_JOBS = 10_000;
/** Durable rows are bound by fsyncs (~1 ms each here): fewer jobs keep them to seconds. */
export const DURABLE_JOBS = 1_000;
export const BULLMQ_CONCURRENCY = [8, 32];
/** The durable drains' jobs in flight, for the systems that have concurrency in one process (ours, BullMQ): as the plain ones. */
export const DURABLE_CONCURRENCY = BULLMQ_CONCURRENCY;
/** The systems with jobs in flight in one process: BullMQ's Worker concurrency, our receive({ concurrency }). */
const IN_PROCESS = [ours, bullmq];
export const SYSTEMS: System[] = [ours, bullmq, plainjob, dirq];
/**
 * The systems whose consumer takes one job at a time: more consumers are more processes
 * (one per core here). BullMQ's are its Worker's concurrency instead (its drain step counts
 * to n in one process).
 */
const ONE_AT_A_TIME = [ours, plainjob, dirq];
export const PROCESSES = 2;

export interface Row {
  key: string;
  label: string;
  unit: 'jobs/s' | 'ms';
  /** the row of ours this one's ratios divide (default: its own) */
  oursRow?: string;
}

const k = (n: number) => `${n / 1000}k`;
const sendRows: { key: string; bulk: boolean; durable: boolean; label: string }[] = [
  { key: 'send', bulk: false, durable: false, label: `enqueue one at a time, ${k(PEER_JOBS)} jobs of ${DATA_BYTES} B` },
  { key: 'sendBulk', bulk: true, durable: false, label: `enqueue in bulk (chunks of 1,000; ours: sendMany)` },
  { key: 'sendDurable', bulk: false, durable: true, label: `durable enqueue one at a time, ${k(DURABLE_JOBS)} jobs` },
  { key: 'sendDurableBulk', bulk: true, durable: true, label: `durable enqueue in bulk (chunks of 1,000; ours: sendMany)` },
];

export const ROWS: Row[] = [
  ...sendRows.map((r) => ({ key: r.key, label: r.label, unit: 'jobs/s' as const })),
  { key: 'drain', label: `drain ${k(PEER_JOBS)}, one consumer, one job at a time`, unit: 'jobs/s' },
  ...BULLMQ_CONCURRENCY.map((c) => ({
    key: `drain.c${c}`,
    label: `drain ${k(PEER_JOBS)}, ${c} jobs in flight in one process (BullMQ Worker concurrency ${c}; ours receive({ concurrency: ${c} }))`,
    unit: 'jobs/s' as const,
  })),
  {
    key: `drain.p${PROCESSES}`,
    label: `drain ${k(PEER_JOBS)}, ${PROCESSES} consumer processes (BullMQ: see its concurrency)`,
    unit: 'jobs/s',
  },
  { key: 'drainDurable', label: `durable drain ${k(DURABLE_JOBS)}, one consumer, one job at a time`, unit: 'jobs/s' },
  ...DURABLE_CONCURRENCY.map((c) => ({
    key: `drainDurable.c${c}`,
    label: `durable drain ${k(DURABLE_JOBS)}, ${c} jobs in flight in one process (ours: group commits)`,
    unit: 'jobs/s' as const,
  })),
  { key: 'latency.p50', label: `send → handler start, p50 (${WAKEUP_JOBS} jobs, one per ${WAKEUP_INTERVAL_MS} ms)`, unit: 'ms' },
  { key: 'latency.p99', label: 'send → handler start, p99', unit: 'ms' },
  { key: 'processPerJob', label: 'a process per job: `consume --once -- true` (C: posix_spawnp + waitpid), 1k jobs', unit: 'jobs/s' },
];

interface Peers {
  figures: Record<string, number>;
  checks: Record<string, boolean>;
}

let steps = 0;

export async function measurePeers(): Promise<Peers> {
  ensurePeers();
  const figures: Record<string, number> = {};
  const checks: Record<string, boolean> = {};
  const redis: Redis[] = [];
  try {
    redis.push(await startRedis(scratchDir('redis-plain'), false), await startRedis(scratchDir('redis-aof-always'), true));
    const place = (sys: System, durable: boolean): Place => ({
      dir: scratchDir(`peer-${sys.key}`),
      name: `bench-${++steps}`,
      port: redis[durable ? 1 : 0].port,
      bytes: DATA_BYTES,
    });
    const run = async <T>(sys: System, op: Op, at: Place) => {
      settle();
      return start<T>(sys.argv, { ...op, ...at }).result;
    };

    for (const row of sendRows) {
      const n = row.durable ? DURABLE_JOBS : PEER_JOBS;
      settle();
      figures[`peers.${row.key}.floor`] = n / floor('send', scratchDir('floor-peer-send'), n, DATA_BYTES, row.durable ? 1 : 0).seconds;
      for (const sys of SYSTEMS) {
        const op: Op = { op: 'send', n, bulk: row.bulk, durable: row.durable };
        if (sys.lacks?.(op)) continue;
        const sent = await run<Sent>(sys, op, place(sys, row.durable));
        figures[`peers.${row.key}.${sys.key}`] = n / sent.seconds;
        checks[`peers.${row.key}.${sys.key}.allQueued`] = sent.queued === n;
      }
    }

    /** `processes` drain one queue at once, each until it finds the queue empty; timed from the first one's start to the last one's end. */
    const drain = async (key: string, sys: System, n: number, durable: boolean, concurrency: number, processes = 1) => {
      const op: Op = { op: 'drain', n, durable, concurrency };
      if (sys.lacks?.(op)) return;
      const at = place(sys, durable);
      await run<Sent>(sys, { op: 'fill', n }, at);
      settle();
      const parts = await Promise.all(Array.from({ length: processes }, () => start<Drained>(sys.argv, { ...op, ...at }).result));
      const from = Math.min(...parts.map((p) => p.from));
      // what the last one to finish found left (an earlier one may have seen another's job in hand)
      const last = parts.reduce((a, b) => (b.to > a.to ? b : a));
      const to = last.to;
      const seen = parts[0].seen.map((_, i) => parts.reduce((sum, p) => sum + p.seen[i], 0));
      const all: Drained = { seconds: (to - from) / 1000, from, to, seen, left: last.left };
      figures[`peers.${key}.${sys.key}`] = n / all.seconds;
      checks[`peers.${key}.${sys.key}.onceEach`] = handledOnce(all, n);
    };
    settle();
    figures['peers.drain.floor'] = PEER_JOBS / floor('drain', scratchDir('floor-peer-drain'), PEER_JOBS, 0).seconds;
    for (const sys of SYSTEMS) await drain('drain', sys, PEER_JOBS, false, 1);
    for (const c of BULLMQ_CONCURRENCY) for (const sys of IN_PROCESS) await drain(`drain.c${c}`, sys, PEER_JOBS, false, c);
    for (const sys of ONE_AT_A_TIME) await drain(`drain.p${PROCESSES}`, sys, PEER_JOBS, false, 1, PROCESSES);
    for (const sys of SYSTEMS) await drain('drainDurable', sys, DURABLE_JOBS, true, 1);
    for (const c of DURABLE_CONCURRENCY) for (const sys of IN_PROCESS) await drain(`drainDurable.c${c}`, sys, DURABLE_JOBS, true, c);

    for (const sys of SYSTEMS) {
      settle();
      const ms = await latency(sys, place(sys, false), WAKEUP_JOBS, WAKEUP_INTERVAL_MS);
      figures[`peers.latency.p50.${sys.key}`] = percentile(ms, 50);
      figures[`peers.latency.p99.${sys.key}`] = percentile(ms, 99);
      checks[`peers.latency.${sys.key}.allHandled`] = ms.length === WAKEUP_JOBS;
    }

    // None of the peers starts a process per job (BullMQ's sandboxed processors keep a pool): ours against C.
    const cli = await measureCliConsumer();
    figures['peers.processPerJob.floor'] = cli['floor.spawn'];
    figures['peers.processPerJob.ours'] = cli.cliConsume;
  } finally {
    for (const r of redis) await r.stop();
  }
  return { figures, checks };
}
