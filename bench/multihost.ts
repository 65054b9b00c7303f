/**
 * Several hosts on one queue, over the multi-host tests' network file system (sshfs through
 * an sshd of our own, or GlusterFS: PACCHETTINO_MULTIHOST_FS; the harness is the tests',
 * test/multihost/support, reached through the `#multihost/*` import of the root package.json).
 * Each host is a PID namespace of its own with its own mount; what runs there is
 * multihostPeer.ts. Three figures:
 *
 * - pick-up: a job sent on host A (library sendData) to its handler starting on host B,
 *   which waits in receiveOne: no watch sees another host's send, so B's poll (250 ms) finds it;
 * - dead-host recovery: host A's consumer holds a job, A is killed whole (its PID namespace),
 *   and host B's waiting consumer files the job in interrupted/ once A's lease stood still
 *   for lease + margin: the time from the kill, for two lease lengths;
 * - 2-host drain: a queue filled on the server, drained by one consumer on each of two hosts
 *   at once, beside the C floor doing the same mkdir + rename + rename + rmdir per job through
 *   the same mounts (floor drainshare: each host lists, then takes its half by name).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino } from 'pacchettino';
import { startCluster, type Cluster } from '#multihost/cluster';
import { SimHost, type HostProcess } from '#multihost/hosts';
import { harnessMissing, type Teardown } from '#multihost/fileServer';
import { fillQueue, floorBinary } from './floor';
import { percentile } from './stats';

export const PICKUP_JOBS = 50;
export const PICKUP_GAP_MS: [number, number] = [150, 450];
export const RECOVERY_LEASES_MS = [2000, 6000];
export const MULTIHOST_DRAIN_JOBS = 2000;

const PEER = path.join(__dirname, 'multihostPeer.js');

/** The harness's teardown, run by us at the end (node:test runs a test's `after` hooks in order, too). */
class Cleanup implements Teardown {
  private readonly fns: (() => Promise<void> | void)[] = [];
  after(fn: () => Promise<void> | void): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.fns) await fn();
  }
}

function peer(host: SimHost, args: object): HostProcess {
  return host.run([process.execPath, PEER, JSON.stringify(args)]);
}

/** The JSON after `word` in the first line of `p` that starts with it. */
async function report<T>(p: HostProcess, word: string, timeoutMs = 120_000): Promise<T> {
  const line = await p.line(new RegExp(`^${word} `), timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}\n${p.errLines.join('\n')}`);
  });
  return JSON.parse(line.slice(word.length + 1)) as T;
}

/** A fresh queue folder on the server, made from the server's side. */
function freshQueue(c: Cluster, name: string): { view: Pacchettino; on: (h: SimHost) => string } {
  const view = new Pacchettino(path.join(c.server.viewDir, name), { shared: false });
  return { view, on: (h) => path.join(h.mount.path, name) };
}

async function pickup(c: Cluster): Promise<Record<string, number>> {
  const [a, b] = c.hosts;
  const q = freshQueue(c, 'pickup');
  const consumer = peer(b, { role: 'pickup', queue: q.on(b), n: PICKUP_JOBS });
  await report(consumer, 'ready');
  peer(a, { role: 'send', queue: q.on(a), n: PICKUP_JOBS, minGapMs: PICKUP_GAP_MS[0], maxGapMs: PICKUP_GAP_MS[1] });
  const latencies = await report<number[]>(consumer, 'latencies');
  await q.view.close();
  return { 'multihost.pickup.p50': percentile(latencies, 50), 'multihost.pickup.p99': percentile(latencies, 99) };
}

/** Resolves when `dir` holds an entry: bounded polling every 10 ms (the view may be a mount no watch sees through). */
async function firstEntry(dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (fs.readdirSync(dir).length === 0) {
    if (Date.now() > deadline) throw new Error(`nothing came to ${dir} within ${timeoutMs} ms`);
    await delay(10);
  }
}

async function recovery(c: Cluster, leaseMs: number): Promise<number> {
  const [, b] = c.hosts;
  const q = freshQueue(c, `recovery-${leaseMs}`);
  q.view.sendData('held when its host dies');
  const holder = peer(c.hosts[0], { role: 'hold', queue: q.on(c.hosts[0]), lease: leaseMs });
  await report(holder, 'held');
  // B takes jobs too: started once A holds the only one. It sweeps every second: let it note
  // A's beat at least once before the kill, as a running cluster would have.
  const sweeper = peer(b, { role: 'sweep', queue: q.on(b), lease: leaseMs });
  await report(sweeper, 'ready');
  await delay(1500);
  const killedAt = performance.now();
  await c.hosts[0].kill();
  await firstEntry(q.view.layout.interrupted, 3 * leaseMs + 10_000);
  const ms = performance.now() - killedAt;
  sweeper.signal('SIGTERM');
  await sweeper.exited;
  await q.view.close();
  // A new host A for what follows, on the same mount.
  c.hosts[0] = await SimHost.start(c.hosts[0].name, c.hosts[0].mount);
  return ms;
}

interface Span {
  n: number;
  t0: number;
  t1: number;
}

/** Jobs per second of a drain by several processes: all their jobs over first start to last end. */
function rate(spans: Span[], expected: number): number {
  const n = spans.reduce((s, x) => s + x.n, 0);
  if (n !== expected) throw new Error(`the hosts drained ${n} of ${expected} jobs`);
  return n / (Math.max(...spans.map((s) => s.t1)) - Math.min(...spans.map((s) => s.t0)));
}

async function drain(c: Cluster): Promise<Record<string, number>> {
  const [a, b] = c.hosts;
  const floorQ = freshQueue(c, 'floor-drain');
  fillQueue(floorQ.view.layout.base, MULTIHOST_DRAIN_JOBS);
  const floors = [a, b].map((h, i) => h.run([floorBinary(), 'drainshare', floorQ.on(h), 2, i].map(String)));
  const floorSpans = await Promise.all(
    floors.map(async (p) => {
      const r = JSON.parse(await p.line(/^\{"ops"/, 120_000)) as { ops: number; seconds: number; t0: number };
      return { n: r.ops, t0: r.t0, t1: r.t0 + r.seconds };
    }),
  );
  const oursQ = freshQueue(c, 'drain');
  fillQueue(oursQ.view.layout.base, MULTIHOST_DRAIN_JOBS);
  const ours = await Promise.all([a, b].map((h) => report<Span>(peer(h, { role: 'drain', queue: oursQ.on(h) }), 'drained')));
  await floorQ.view.close();
  await oursQ.view.close();
  return { 'floor.multihost.drain': rate(floorSpans, MULTIHOST_DRAIN_JOBS), 'multihost.drain': rate(ours, MULTIHOST_DRAIN_JOBS) };
}

export async function measureMultihost(): Promise<Record<string, number>> {
  const missing = harnessMissing();
  if (missing) throw new Error(`BENCH_ONLY=multihost needs ${missing}`);
  const cleanup = new Cleanup();
  try {
    const c = await startCluster(cleanup, ['hosta', 'hostb'], 'bench');
    const figures = await pickup(c);
    for (const lease of RECOVERY_LEASES_MS) {
      const ms = await recovery(c, lease);
      figures[`multihost.recovery.${lease}`] = ms;
      figures[`multihost.recovery.${lease}.overLease`] = ms / lease;
    }
    return { ...figures, ...(await drain(c)) };
  } finally {
    await cleanup.run();
  }
}
