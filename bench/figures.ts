import { CONSUMER_COUNTS, CONSUMER_JOBS } from './consumers';
import { DRAIN_FLOOR, DRAIN_SIZES, RECEIVE_ALL_JOBS } from './drain';
import { CLI_JOBS, PERSISTENT_JOBS } from './cliConsumer';
import { STALLED_JOBS } from './recovery';
import { BULK_CHUNK, DATA_BYTES, FILE_BYTES, FILE_JOBS, SEND_JOBS } from './send';
import { WAKEUP_INTERVAL_MS, WAKEUP_JOBS } from './wakeup';
import { PAGE, SAMPLES, WORKER_JOBS } from './worker';
import { PAUSE_CHECKS, PROGRESS_CALLS, TALLY_COUNTS } from './live';
import { MULTIHOST_DRAIN_JOBS, PICKUP_GAP_MS, PICKUP_JOBS, RECOVERY_LEASES_MS } from './multihost';
import { fileSystemKind } from '#multihost/fileServer';
import { BULLMQ_CONCURRENCY, DURABLE_CONCURRENCY } from './peers/driver';

/** What one run measured: figure key -> value (rates per second, times in ms, sizes in MB). */
export type RunFigures = Record<string, number>;

export interface Figure {
  key: string;
  section: string;
  label: string;
  unit: string;
  /** The floor's figure measured beside it, for the ratio column (ours / floor, per run). */
  floor?: string;
  /** A figure of ours it is compared with instead (consumers: one consumer). */
  base?: string;
  /** What `base` is, for the report's "compared with" column (default: one consumer). */
  baseLabel?: string;
}

const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

export const FIGURES: Figure[] = [
  { key: 'send.plain', section: 'Send', label: `sendData, ${k(SEND_JOBS)} jobs of ${DATA_BYTES} B`, unit: 'jobs/s', floor: 'floor.send.plain' },
  {
    key: 'send.durable',
    section: 'Send',
    label: `sendData durable (fsync), ${k(SEND_JOBS)} jobs of ${DATA_BYTES} B`,
    unit: 'jobs/s',
    floor: 'floor.send.durable',
  },
  {
    key: 'send.durableBulk',
    section: 'Send',
    label: `sendMany durable, ${k(SEND_JOBS)} jobs of ${DATA_BYTES} B in calls of ${k(BULK_CHUNK)}`,
    unit: 'jobs/s',
    floor: 'floor.send.durableBulk',
  },
  {
    key: 'send.cliStdin',
    section: 'Send',
    label: `CLI \`send --stdin\`, ${k(SEND_JOBS)} lines of ${DATA_BYTES} B, one command (Node's start-up included)`,
    unit: 'jobs/s',
    base: 'send.plainBeside',
    baseLabel: 'sendData in the same runs',
  },
  { key: 'send.file', section: 'Send', label: `sendFile (copy), ${k(FILE_JOBS)} files of ${FILE_BYTES / 1024} KiB`, unit: 'files/s', floor: 'floor.send.file' },
  ...DRAIN_SIZES.map((n) => ({
    key: `drain.${n}`,
    section: 'Drain',
    label: `receiveOne in a loop, N = ${k(n)}`,
    unit: 'jobs/s',
    floor: `${DRAIN_FLOOR}.${n}`,
  })),
  {
    key: `receiveAll.${RECEIVE_ALL_JOBS}`,
    section: 'Drain',
    label: `receive() all at once, N = ${k(RECEIVE_ALL_JOBS)}`,
    unit: 'jobs/s',
    floor: `${DRAIN_FLOOR}.${RECEIVE_ALL_JOBS}`,
  },
  // The original's steps in C, against the floor of ours: what the file form saves.
  ...DRAIN_SIZES.map((n) => ({
    key: `floor.drain.${n}`,
    section: 'Drain',
    label: `C, the original's dir form (mkdir + rename + rename + rmdir, by name), N = ${k(n)}`,
    unit: 'jobs/s',
    base: `${DRAIN_FLOOR}.${n}`,
    baseLabel: 'the C floor of the steps we use (rename + rename)',
  })),
  ...CONSUMER_COUNTS.map((c) => ({
    key: `consumers.${c}`,
    section: 'Consumers',
    label: `${c} consumer process${c > 1 ? 'es' : ''}, ${k(CONSUMER_JOBS)} jobs`,
    unit: 'jobs/s',
    floor: `floor.consumers.${c}`,
  })),
  {
    key: `consumers.${CONSUMER_COUNTS[CONSUMER_COUNTS.length - 1]}.oldestFirst`,
    section: 'Consumers',
    label: `${CONSUMER_COUNTS[CONSUMER_COUNTS.length - 1]} consumer processes oldest first (as the CLI), ${k(CONSUMER_JOBS)} jobs`,
    unit: 'jobs/s',
    floor: `floor.consumers.${CONSUMER_COUNTS[CONSUMER_COUNTS.length - 1]}`,
  },
  { key: 'wakeup.p50', section: 'Wake-up', label: `send to handler start, p50 (${WAKEUP_JOBS} jobs, one per ${WAKEUP_INTERVAL_MS} ms)`, unit: 'ms' },
  { key: 'wakeup.p99', section: 'Wake-up', label: 'send to handler start, p99', unit: 'ms' },
  { key: 'recovery', section: 'Recovery', label: `sweep of ${k(STALLED_JOBS)} dead owners' dirs to interrupted/`, unit: 'dirs/s', floor: 'floor.recovery' },
  {
    key: 'worker.coldFirstPage',
    section: 'Worker',
    label: `${k(WORKER_JOBS)} queued: counts + first page (${PAGE}), first look`,
    unit: 'ms',
    floor: 'node.readdirSync',
  },
  { key: 'worker.coldCounts', section: 'Worker', label: `${k(WORKER_JOBS)} queued: counts alone, first look`, unit: 'ms' },
  {
    key: 'worker.changedCountsAndPage',
    section: 'Worker',
    label: `${k(WORKER_JOBS)} queued: counts + first page after one more job (median of ${SAMPLES})`,
    unit: 'ms',
  },
  { key: 'node.readdirSync', section: 'Worker', label: `${k(WORKER_JOBS)} queued: Node's readdirSync of queued/ alone`, unit: 'ms', floor: 'floor.list' },
  {
    key: 'worker.warmCountsAndPage',
    section: 'Worker',
    label: `${k(WORKER_JOBS)} queued: counts + first page again, unchanged (median of ${SAMPLES})`,
    unit: 'ms',
  },
  { key: 'worker.rss', section: 'Worker', label: 'worker RSS after answering', unit: 'MB' },
  { key: 'worker.peakRss', section: 'Worker', label: 'worker peak RSS (VmHWM)', unit: 'MB' },
  { key: 'cliConsume', section: 'CLI', label: `consume --once -- true, ${k(CLI_JOBS)} jobs`, unit: 'jobs/s', floor: 'floor.spawn' },
  {
    key: 'cliPersistent',
    section: 'CLI',
    label: `consume --once --persistent, a handler that answers at once, ${k(PERSISTENT_JOBS)} jobs (Node's start-up included)`,
    unit: 'jobs/s',
    base: 'cliPersistent.drainBeside',
    baseLabel: 'the library’s receiveOne loop in the same runs',
  },
  {
    key: 'live.pauseCheck',
    section: 'Live operations',
    label: `the pause check a claim pays (stat of .pacchettino/paused), ${k(PAUSE_CHECKS)} checks`,
    unit: 'µs',
  },
  {
    key: 'live.progress',
    section: 'Live operations',
    label: `job.progress() (a line appended through one descriptor), ${k(PROGRESS_CALLS)} calls`,
    unit: 'µs',
  },
  {
    key: 'live.progressShared',
    section: 'Live operations',
    label: `job.progress() on a shared queue (each call may renew the lease), ${k(PROGRESS_CALLS)} calls`,
    unit: 'µs',
  },
  { key: 'live.tally', section: 'Live operations', label: `history: counting a finished job, ${k(TALLY_COUNTS)} jobs`, unit: 'ns' },
  { key: 'live.historyLine', section: 'Live operations', label: 'history: bytes written per consumer per busy minute', unit: 'B' },
  { key: 'live.statsDay', section: 'Live operations', label: "stats('day') over a day of a busy consumer (1,440 lines)", unit: 'ms' },
  ...multihostFigures(`Several hosts (${fileSystemKind()}, bench/multihost.ts)`),
];

function multihostFigures(section: string): Figure[] {
  const [minGap, maxGap] = PICKUP_GAP_MS;
  return [
    {
      key: 'multihost.pickup.p50',
      section,
      label: `sent on host A to its handler starting on host B, p50 (${PICKUP_JOBS} jobs, one every ${minGap}–${maxGap} ms)`,
      unit: 'ms',
    },
    { key: 'multihost.pickup.p99', section, label: 'sent on host A to its handler starting on host B, p99', unit: 'ms' },
    ...RECOVERY_LEASES_MS.flatMap((lease) => [
      {
        key: `multihost.recovery.${lease}`,
        section,
        label: `host A killed holding a job, to the job in interrupted/ by host B, lease ${lease / 1000} s`,
        unit: 'ms',
      },
      { key: `multihost.recovery.${lease}.overLease`, section, label: `the same, ÷ the lease of ${lease / 1000} s`, unit: '×' },
    ]),
    {
      key: 'multihost.drain',
      section,
      label: `2 hosts draining ${k(MULTIHOST_DRAIN_JOBS)} jobs at once, one consumer each`,
      unit: 'jobs/s',
      floor: 'floor.multihost.drain',
    },
  ];
}

export const FLOOR_LABELS: Record<string, string> = {
  'floor.send.plain': 'open + write + close + rename',
  'floor.send.durable': 'open + write + fsync + close + rename + fsync(queued/)',
  'floor.send.durableBulk': 'the same, one job at a time (the C floor has no bulk form)',
  'floor.send.file': 'open + open + copy_file_range + close + close + rename',
  ...Object.fromEntries(DRAIN_SIZES.map((n) => [`${DRAIN_FLOOR}.${n}`, 'rename + rename (the file form of data jobs), by name'])),
  ...Object.fromEntries(DRAIN_SIZES.map((n) => [`floor.drain.${n}`, 'mkdir + rename + rename + rmdir (the dir form), by name'])),
  ...Object.fromEntries(
    CONSUMER_COUNTS.map((c) => [
      `floor.consumers.${c}`,
      c === 1 ? 'one C process, rename + rename, by name' : `${c} C processes, rename + rename, a 1/${c} share each, by name`,
    ]),
  ),
  'floor.recovery': 'getdents + kill(pid, 0) + rename + rmdir',
  'floor.spawn': 'posix_spawnp(true) + waitpid',
  'floor.list': 'getdents of queued/, count, keep the 100 oldest',
  'node.readdirSync': "Node's readdirSync of queued/ alone, in a fresh process",
  'floor.multihost.drain': 'a C process on each host lists queued/, then rename + rename its half, by name',
};

/** A target of the issue, checked on the median of the per-run values and shown with the worst run. */
export interface Target {
  name: string;
  perRun: (r: RunFigures) => number;
  op: '>=' | '<=';
  limit: number;
  unit: string;
}

const ratio = (ours: string, base: string) => (r: RunFigures) => r[ours] / r[base];
const [SMALL, , LARGE] = DRAIN_SIZES;

/** A system's best figure among peers rows (ours: its best concurrency in one process). */
const best =
  (...keys: string[]) =>
  (r: RunFigures) =>
    Math.max(...keys.map((key) => r[key]));
const over = (ours: (r: RunFigures) => number, theirs: (r: RunFigures) => number) => (r: RunFigures) => ours(r) / theirs(r);
const peer = (row: string, sys: string) => (r: RunFigures) => r[`peers.${row}.${sys}`];
const drainRows = ['drain', ...BULLMQ_CONCURRENCY.map((c) => `drain.c${c}`)];
const durableDrainRows = ['drainDurable', ...DURABLE_CONCURRENCY.map((c) => `drainDurable.c${c}`)];

/** Issue 14's goals against the peers (BENCH_ONLY=peers; keys as bench/peers/driver.ts writes them). */
/** A goal of being at least as fast as a peer: ours ÷ theirs ≥ 1. */
const asFast = (name: string, perRun: (r: RunFigures) => number): Target => ({ name, perRun, op: '>=', limit: 1, unit: '×' });

const PEER_TARGETS: Target[] = [
  asFast('durable send in bulk (sendMany) ≥ 1.0× plainjob WAL+FULL in bulk', over(peer('sendDurableBulk', 'ours'), peer('sendDurableBulk', 'plainjob'))),
  asFast('durable send one at a time ≥ 1.0× BullMQ AOF-always one at a time', over(peer('sendDurable', 'ours'), peer('sendDurable', 'bullmq'))),
  asFast(
    'durable drain, each at its best concurrency, ≥ 1.0× BullMQ AOF-always',
    over(best(...durableDrainRows.map((row) => `peers.${row}.ours`)), best(...durableDrainRows.map((row) => `peers.${row}.bullmq`))),
  ),
  asFast(
    "drain 10k, one consumer at its best concurrency, ≥ 1.0× plainjob's one worker",
    over(best(...drainRows.map((row) => `peers.${row}.ours`)), peer('drain', 'plainjob')),
  ),
  asFast(
    "drain 10k, one consumer at its best concurrency, ≥ 1.0× BullMQ's Worker at concurrency 8",
    over(best(...drainRows.map((row) => `peers.${row}.ours`)), peer('drain.c8', 'bullmq')),
  ),
  asFast("send → handler start p50 below BullMQ's (theirs ÷ ours)", over(peer('latency.p50', 'bullmq'), peer('latency.p50', 'ours'))),
  asFast("send → handler start p99 below BullMQ's (theirs ÷ ours)", over(peer('latency.p99', 'bullmq'), peer('latency.p99', 'ours'))),
];

export const TARGETS: Target[] = [
  // Against the C floor of the steps we take (issue 14: "≥ 0.8× the C floor of whatever protocol steps we use").
  { name: 'drain at 10k ≥ 0.8× the C floor of the steps used', perRun: ratio('drain.10000', `${DRAIN_FLOOR}.10000`), op: '>=', limit: 0.8, unit: '×' },
  { name: 'drain at 100k ≥ 0.8× the C floor of the steps used', perRun: ratio('drain.100000', `${DRAIN_FLOOR}.100000`), op: '>=', limit: 0.8, unit: '×' },
  { name: `per-job cost at ${k(LARGE)} ≤ 1.3× that at ${k(SMALL)}`, perRun: ratio(`drain.${SMALL}`, `drain.${LARGE}`), op: '<=', limit: 1.3, unit: '×' },
  { name: 'send plain ≥ 0.5× the floor', perRun: ratio('send.plain', 'floor.send.plain'), op: '>=', limit: 0.5, unit: '×' },
  { name: 'CLI send --stdin ≥ 0.5× sendData', perRun: ratio('send.cliStdin', 'send.plainBeside'), op: '>=', limit: 0.5, unit: '×' },
  { name: 'send durable ≥ 0.8× the floor', perRun: ratio('send.durable', 'floor.send.durable'), op: '>=', limit: 0.8, unit: '×' },
  { name: '4 consumers ≥ 1× one consumer in total', perRun: ratio('consumers.4', 'consumers.1'), op: '>=', limit: 1, unit: '×' },
  {
    name: '4 consumer processes ≥ 0.8× four C processes doing the same steps',
    perRun: ratio('consumers.4', 'floor.consumers.4'),
    op: '>=',
    limit: 0.8,
    unit: '×',
  },
  { name: 'wake-up p50 ≤ 5 ms', perRun: (r) => r['wakeup.p50'], op: '<=', limit: 5, unit: 'ms' },
  { name: 'wake-up p99 ≤ 50 ms', perRun: (r) => r['wakeup.p99'], op: '<=', limit: 50, unit: 'ms' },
  {
    name: `worker, ${k(WORKER_JOBS)} queued: first look (counts + first page) ≤ 1.2× Node's readdirSync of the folder`,
    perRun: ratio('worker.coldFirstPage', 'node.readdirSync'),
    op: '<=',
    limit: 1.2,
    unit: '×',
  },
  {
    name: `worker, ${k(WORKER_JOBS)} queued: counts + first page after one new job ≤ 5 ms`,
    perRun: (r) => r['worker.changedCountsAndPage'],
    op: '<=',
    limit: 5,
    unit: 'ms',
  },
  { name: 'cross-host pick-up p50 ≤ 500 ms', perRun: (r) => r['multihost.pickup.p50'], op: '<=', limit: 500, unit: 'ms' },
  { name: 'cross-host pick-up p99 ≤ 1000 ms', perRun: (r) => r['multihost.pickup.p99'], op: '<=', limit: 1000, unit: 'ms' },
  { name: 'CLI, a process per job ≥ 0.5× the C posix_spawn floor', perRun: ratio('cliConsume', 'floor.spawn'), op: '>=', limit: 0.5, unit: '×' },
  {
    name: 'CLI --persistent ≥ 0.7× the library’s drain',
    perRun: ratio('cliPersistent', 'cliPersistent.drainBeside'),
    op: '>=',
    limit: 0.7,
    unit: '×',
  },
  { name: `worker RSS ≤ 150 MB (${k(WORKER_JOBS)} queued)`, perRun: (r) => r['worker.rss'], op: '<=', limit: 150, unit: 'MB' },
  ...PEER_TARGETS,
];

export function meets(t: Target, value: number): boolean {
  return t.op === '>=' ? value >= t.limit : value <= t.limit;
}
