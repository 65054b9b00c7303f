import type { Results } from '../report';
import { fmt, spread } from '../stats';
import { BULLMQ_CONCURRENCY, DURABLE_JOBS, PEER_JOBS, PROCESSES, ROWS, SYSTEMS } from './driver';
import { debianVersion, peerVersion } from './install';

/** The Peers section of BENCHMARKS.md: one row per figure, ours beside the floor and each peer, with ours ÷ theirs. */
const COLUMNS = [{ key: 'floor', label: 'C floor' }, ...SYSTEMS.filter((s) => s.key !== 'ours')];

export function peersSection(r: Results): string {
  if (!r.figures['peers.send.ours']) return '';
  const value = (key: string) => r.figures[key]?.median;
  /** Per run, as a speed: rates ours ÷ theirs, times theirs ÷ ours (above 1: ours is faster); the median of the runs. */
  const ratio = (oursKey: string, theirs: string, unit: string) => {
    const xs = r.perRun.map((p) => (unit === 'ms' ? p.figures[theirs] / p.figures[oursKey] : p.figures[oursKey] / p.figures[theirs]));
    const s = spread(xs);
    return xs.length > 1 ? `**${fmt(s.median)}×** ${fmt(s.min)}–${fmt(s.max)}` : `**${fmt(s.median)}×**`;
  };
  const rows = ROWS.map((row) => {
    const oursKey = `peers.${row.oursRow ?? row.key}.ours`;
    const cells = COLUMNS.map((c) => {
      const key = `peers.${row.key}.${c.key}`;
      const v = value(key);
      return v === undefined ? '—' : `${fmt(v)} (${ratio(oursKey, key, row.unit)})`;
    });
    const own = row.oursRow ? '(as above)' : fmt(value(oursKey) ?? NaN);
    return `| ${row.label} | ${row.unit} | ${own} | ${cells.join(' | ')} |`;
  });
  const checks = Object.entries(r.checks).filter(([key]) => key.startsWith('peers.'));
  const failed = checks.filter(([, ok]) => !ok).map(([key]) => key);
  const versions = [
    `BullMQ ${peerVersion('bullmq')} (ioredis ${peerVersion('ioredis')}) on redis-server ${debianVersion('redis-server')}`,
    `plainjob ${peerVersion('plainjob')} on better-sqlite3 ${peerVersion('better-sqlite3')}`,
    `python-dirq ${debianVersion('python3-dirq')} (Debian's /usr/bin/python3)`,
  ];
  return `## Peers

From \`${r.command}\` with ${r.runs} runs (${r.generatedAt}, revision ${r.revision}, load average at start
${r.machine.loadAtStart.join(' / ')}, at end ${r.machine.loadAtEnd?.join(' / ') ?? '?'}: absolute figures fall with the load, the ratios less): ${versions.join('; ')}.
Each cell is the median of the runs, then ours ÷ theirs as a speed, per run: the median in bold, then the runs' range
(above 1×: ours is faster; for latencies, theirs ÷ ours). Every step runs in a fresh process after a \`sync\`; the queues sit on the same
scratch file system (Redis's append-only file too). The C floor is our protocol's steps in C (bench/floor.c; it has no
bulk form, so the bulk rows measure its one-at-a-time sends again). — : no such operation, or no floor of it.
${failed.length ? `**Failed checks: ${failed.join(', ')}.**` : `Every system's checks passed in every run (${checks.length} checks: every drained job handled exactly once and nothing left, every sent job queued, every latency job handled).`}

| figure | unit | ours | ${COLUMNS.map((c) => c.label).join(' | ')} |
|---|---|---|${COLUMNS.map(() => '---|').join('')}
${rows.join('\n')}

What bounds each system here:
- **Ours:** a job is a file: send is open + write + close + rename (durable: fsync of the file and of queued/); a data
  job's claim is one rename into processing/ and its finish one rename out (the file form; the C floor's steps), plus
  Node's cost per fs call and the payload opened for the handler; waiting is an inotify watch. In bulk (sendMany) and with jobs in flight (receive({ concurrency })), durable mode's fsyncs run side by
  side on libuv's thread pool and each folder's is shared by the jobs beside it (group commit); with synchronous
  handlers and no fsyncs, jobs in flight gain nothing (every step is a system call on the one thread).
- **BullMQ:** a round trip to redis-server per command over loopback TCP, and Redis's Lua scripts (a job's add is one
  script; a worker's finish moves the job and fetches the next in one); concurrency keeps several round trips in flight,
  so it scales until redis-server or the worker's CPU is saturated (2 cores here). With \`appendfsync always\` Redis
  fsyncs its append-only file before replying to each event-loop pass, so one-at-a-time commands pay an fsync each, bulk
  and concurrent ones share it. Waiting is a blocking pop on a marker key (no polling).
- **plainjob:** SQLite in WAL mode, in process: an add is an INSERT, a claim one transaction (the oldest pending id,
  marked processing) and a read of the row, a finish an UPDATE, each its own commit; with plainjob's own \`synchronous = NORMAL\` no commit fsyncs, with
  \`FULL\` (the durable rows) each commit fsyncs the WAL, a bulk add is one transaction per 1,000 jobs. One job at a
  time per worker; a worker that finds nothing sleeps its poll interval (1,000 ms by default; 1 ms here).
- **python-dirq:** a job is a file (write under a temporary name, link, unlink; a claim links a lock name, a finish
  unlinks both), in CPython; no fsync (so no durable rows), no bulk add, and a waiting consumer lists the queue again
  every 1 ms.
- Sizes: ${PEER_JOBS.toLocaleString('en-US')} jobs for the plain rows, ${DURABLE_JOBS.toLocaleString('en-US')} for the durable ones; BullMQ's concurrency is its Worker's (${BULLMQ_CONCURRENCY.join(' and ')}
  jobs in flight in one process), ours receive()'s \`concurrency\` (the same numbers); plainjob's and dirq's is ${PROCESSES} consumer processes on one queue, started together and timed from the
  first one's start to the last one's end (the first may drain alone while the other starts).
`;
}
