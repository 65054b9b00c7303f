/**
 * A chaos run: producer processes send jobs, consumer processes (on worker threads or not,
 * pid or lock-file mode, in the host or each in its own PID namespace) take them, and a
 * killer SIGKILLs consumers at random moments and restarts them. Then the books are checked:
 * every sent job is in exactly one place, no handler ran twice, and the jobs filed under
 * interrupted/ are exactly those the killed consumers held.
 *
 * Each kill is SIGSTOP, a look at processing/ (a stopped consumer is alive, so nobody
 * recovers its jobs, and it moves nothing itself: what it owns there is what it holds),
 * then SIGKILL.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino } from 'pacchettino';
import { childPids, exitOf } from '../../support/processes';
import { scratchDir } from '../../support/scratch';
import { FIXTURES } from './steppedChild';
import { assertEachJobOnceFinished, takeCensus } from './census';
import { allStopped, heldBy } from './victim';

export interface ConsumerKind {
  /** worker_threads that consume (0: the main thread does). */
  threads: number;
  crashDetection: 'pid' | 'lock';
  /** A command the consumer runs under, e.g. `unshare --pid --fork --mount-proc`. */
  prefix?: string[];
}

export interface ChaosOptions {
  label: string;
  jobs: number;
  producers: number;
  consumers: ConsumerKind[];
  maxKills: number;
  seed: number;
  /** Consumers' recoveryInterval, in ms. */
  recoveryInterval: number;
  /** Handlers wait this many ms (at most, at random) with probability `slowShare`. */
  slowMs: number;
  slowShare: number;
  /** Random pause before each kill, in ms (at most). */
  killGapMs: number;
}

export interface ChaosReport {
  kills: number;
  coldKills: number;
  interrupted: number;
  midHandler: number;
  succeeded: number;
  killingMs: number;
  totalMs: number;
  ownerStaging: number;
}

/** mulberry32: a small seeded PRNG, so a failing run's kill schedule can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One consumer process, restarted after each kill under a new label; `warm` once it has handled a job. */
class ConsumerSlot {
  child!: ChildProcess;
  label = '';
  stderr = '';
  warm = false;
  /** Threads that reported an empty queue since `idle` was last cleared. */
  idle = new Set<string>();
  private incarnation = 0;

  constructor(
    private readonly index: number,
    private readonly kind: ConsumerKind,
    private readonly spec: object,
    private readonly onLine: () => void,
  ) {
    this.start();
  }

  start(): void {
    this.warm = false;
    this.label = `c${this.index}.${this.incarnation++}`;
    const argv = [process.execPath, path.join(FIXTURES, 'chaosConsumer.js'), JSON.stringify({ ...this.spec, logName: this.label })];
    const [cmd, ...args] = [...(this.kind.prefix ?? []), ...argv];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      if (child !== this.child) return;
      if (l === 'working') this.warm = true;
      if (l.startsWith('idle ')) this.idle.add(l.slice(5));
      this.onLine();
    });
  }

  /** The node process itself, in the host's pid numbering (under a prefix: the prefix's only child). */
  nodePid(): number {
    if (!this.kind.prefix) return this.child.pid!;
    const kids = childPids(this.child.pid!);
    assert.equal(kids.length, 1, `expected one child of ${this.kind.prefix[0]} ${this.child.pid}`);
    return kids[0];
  }

  /** Every consuming thread of this process has found the queue empty. */
  get allIdle(): boolean {
    return this.idle.size === Math.max(1, this.kind.threads);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

interface LogLine {
  label: string;
  kind: 'B' | 'E';
  name: string;
}

function readConsumerLogs(dir: string): LogLine[] {
  const out: LogLine[] = [];
  for (const f of fs.readdirSync(dir)) {
    const label = f.slice(0, f.lastIndexOf('-'));
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    assert.ok(text === '' || text.endsWith('\n'), `${f} ends in a torn line`);
    for (const line of text.split('\n').filter(Boolean)) {
      const [kind, name] = line.split(' ');
      assert.ok((kind === 'B' || kind === 'E') && name, `bad log line in ${f}: ${line}`);
      out.push({ label, kind, name });
    }
  }
  return out;
}

export async function runChaos(t: TestContext, o: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const random = prng(o.seed);
  // Registered before the scratch dir's removal, so that runs first: consumers still
  // writing into the folder would make removing it fail (and keep this process alive).
  const slots: ConsumerSlot[] = [];
  const producerChildren: ChildProcess[] = [];
  t.after(async () => {
    for (const p of producerChildren) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const s of slots) {
      if (!s.alive) continue;
      try {
        process.kill(s.nodePid(), 'SIGKILL');
      } catch {
        s.child.kill('SIGKILL');
      }
      await exitOf(s.child);
    }
  });
  const dir = scratchDir(t, o.label);
  const base = path.join(dir, 'q');
  const producerLogs = path.join(dir, 'sent');
  const consumerLogs = path.join(dir, 'handled');
  fs.mkdirSync(producerLogs);
  fs.mkdirSync(consumerLogs);
  const q = new Pacchettino(base);

  // Producers: each sends its share and logs every id once send returned.
  const producers = Array.from({ length: o.producers }, (_, i) => {
    const count = Math.floor(o.jobs / o.producers) + (i < o.jobs % o.producers ? 1 : 0);
    const spec = { queue: base, producer: i, count, log: path.join(producerLogs, `${i}.log`) };
    const child = spawn(process.execPath, [path.join(FIXTURES, 'chaosProducer.js'), JSON.stringify(spec)], { stdio: ['ignore', 'ignore', 'pipe'] });
    producerChildren.push(child);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    return exitOf(child).then((e) => ({ ...e, stderr }));
  });
  let producersDone = false;
  const producersExited = Promise.all(producers).then((exits) => {
    producersDone = true;
    return exits;
  });

  // Any line from a consumer ("working", "idle") wakes whoever waits for the run to move on.
  let lineWaiters: (() => void)[] = [];
  const nextLine = () => new Promise<void>((resolve) => lineWaiters.push(resolve));
  const onLine = () => {
    const w = lineWaiters;
    lineWaiters = [];
    for (const f of w) f();
  };
  const spec = { queue: base, logDir: consumerLogs, recoveryInterval: o.recoveryInterval, slowMs: o.slowMs, slowShare: o.slowShare };
  slots.push(...o.consumers.map((k, i) => new ConsumerSlot(i, k, { ...spec, threads: k.threads, crashDetection: k.crashDetection }, onLine)));

  // The killer: at random moments, freeze a consumer (mostly one busy with jobs, sometimes
  // one still starting up), note what it holds, kill it, restart it.
  const killedLabels = new Set<string>();
  const heldAtKill = new Map<string, string>(); // job name -> label of the consumer killed holding it
  let kills = 0;
  let coldKills = 0;
  const queuedCount = () => fs.readdirSync(q.layout.queued).length;
  const assertAllAlive = () => {
    for (const s of slots) assert.ok(s.alive, `consumer ${s.label} died on its own (${s.child.exitCode ?? s.child.signalCode}): ${s.stderr}`);
  };
  while (kills < o.maxKills && !(producersDone && queuedCount() === 0)) {
    assertAllAlive();
    const cold = random() < 0.15;
    const candidates = cold ? slots : slots.filter((s) => s.warm);
    if (candidates.length === 0) {
      await Promise.race([nextLine(), producersExited]);
      continue;
    }
    const slot = candidates[Math.floor(random() * candidates.length)];
    await delay(random() * o.killGapMs);
    assert.ok(slot.alive, `consumer ${slot.label} died on its own (${slot.child.exitCode ?? slot.child.signalCode}): ${slot.stderr}`);
    if (!slot.warm) coldKills++;
    const pid = slot.nodePid();
    process.kill(pid, 'SIGSTOP');
    let held: string[];
    try {
      await allStopped(pid);
      held = heldBy(base, pid);
    } catch (err) {
      // Gone from /proc: it died by itself just before the stop (a crash in the code under test).
      if (fs.existsSync(`/proc/${pid}/task`)) throw err;
      const e = await exitOf(slot.child);
      assert.fail(`consumer ${slot.label} died on its own (${e.code ?? e.signal}): ${slot.stderr}`);
    }
    for (const name of held) {
      assert.ok(!heldAtKill.has(name), `${name} held by two killed consumers`);
      heldAtKill.set(name, slot.label);
    }
    process.kill(pid, 'SIGKILL');
    await exitOf(slot.child);
    killedLabels.add(slot.label);
    kills++;
    slot.start();
  }
  const killingEnded = Date.now();

  // No more kills: let the survivors drain the queue, then stop them gracefully.
  const exits = await producersExited;
  for (const e of exits) assert.equal(e.code, 0, `a producer failed: ${e.stderr}`);
  // A queue that stops draining while its consumers idle is stuck: fail, do not hang.
  let left = queuedCount();
  let progressAt = Date.now();
  const stuck = (what: string) => {
    assertAllAlive();
    const now = queuedCount();
    if (now < left) [left, progressAt] = [now, Date.now()];
    assert.ok(
      Date.now() - progressAt < 30_000,
      `${what}: no progress for 30 s, ${now} jobs queued, processing/ holds ${fs.readdirSync(q.layout.processing).length}`,
    );
  };
  while (queuedCount() > 0) {
    await Promise.race([nextLine(), delay(1000)]);
    stuck('draining');
  }
  for (const s of slots) s.idle.clear();
  while (!slots.every((s) => s.allIdle)) {
    await Promise.race([nextLine(), delay(1000)]);
    stuck('waiting for every consumer to idle');
  }

  // Every consumer is alive and idle: a sweep now must leave processing/ empty. The dead
  // consumers' claims are recovered; a live one holds nothing, not even an empty dir.
  q.recover();
  const leftover = fs.readdirSync(q.layout.processing);
  assert.deepEqual(leftover, [], 'processing/ after a sweep with every consumer idle');
  for (const s of slots) process.kill(s.nodePid(), 'SIGTERM');
  for (const s of slots) {
    const e = await exitOf(s.child);
    assert.equal(e.code, 0, `consumer ${s.label} did not stop cleanly (${e.code ?? e.signal}): ${s.stderr}`);
  }
  await q.close();

  // Every sent id, from the producers' own logs.
  const sent = new Map<string, string>(); // job name -> payload
  for (let i = 0; i < o.producers; i++) {
    for (const line of fs
      .readFileSync(path.join(producerLogs, `${i}.log`), 'utf8')
      .split('\n')
      .filter(Boolean)) {
      const [id, seq] = line.split(' ');
      assert.ok(!sent.has(`raw-${id}`), `id ${id} sent twice`);
      sent.set(`raw-${id}`, `${i}:${seq}`);
    }
  }
  assert.equal(sent.size, o.jobs);

  // Every sent id is in exactly one place, success or interrupted, with its payload intact;
  // nothing is left in processing/ after a sweep.
  const census = takeCensus(base);
  assert.deepEqual(census.emptyProcessing, [], 'empty processing dirs left after the sweep');
  assert.deepEqual(census.strayProcessing, []);
  const interrupted = assertEachJobOnceFinished(census, base, sent);
  for (const name of sent.keys()) assert.ok(census.places.has(name), `${name} was lost`);

  // No job's handler ran twice; every success was handled to the end exactly once.
  const began = new Map<string, string>();
  const ended = new Map<string, string>();
  for (const l of readConsumerLogs(consumerLogs)) {
    const m = l.kind === 'B' ? began : ended;
    assert.ok(!m.has(l.name), `${l.name}: handler ${l.kind === 'B' ? 'started' : 'succeeded'} twice (${m.get(l.name)} and ${l.label})`);
    m.set(l.name, l.label);
  }
  for (const [name, places] of census.places) if (places[0] === 'success') assert.ok(ended.has(name), `${name} is in success/ but no handler finished it`);

  // The interrupted jobs are exactly those the killed consumers held; among them, every job
  // whose handler was running at a kill (begun, not ended, by the victim).
  assert.deepEqual([...interrupted].sort(), [...heldAtKill.keys()].sort(), 'interrupted/ is not what the kills interrupted');
  let midHandler = 0;
  for (const [name, label] of began) {
    if (ended.has(name)) continue;
    assert.ok(killedLabels.has(label), `${name}: handler in surviving consumer ${label} never finished`);
    assert.equal(heldAtKill.get(name), label, `${name}: handler running in killed consumer ${label} was not interrupted`);
    midHandler++;
  }
  for (const [name, label] of heldAtKill) {
    if (began.has(name)) assert.equal(began.get(name), label, `${name} held by ${label} but handled by ${began.get(name)}`);
  }

  return {
    kills,
    coldKills,
    interrupted: interrupted.size,
    midHandler,
    succeeded: sent.size - interrupted.size,
    killingMs: killingEnded - started,
    totalMs: Date.now() - started,
    ownerStaging: census.ownerStaging.length,
  };
}

export function describe(r: ChaosReport): string {
  return (
    `${r.kills} kills (${r.coldKills} of consumers still starting), ${r.interrupted} interrupted (${r.midHandler} mid-handler, ` +
    `${r.interrupted - r.midHandler} claimed before or filed after the handler), ${r.succeeded} succeeded; ` +
    `${r.ownerStaging} owner files of consumers killed before their lock left in tmp/; ` +
    `killing phase ${(r.killingMs / 1000).toFixed(1)} s, total ${(r.totalMs / 1000).toFixed(1)} s`
  );
}
