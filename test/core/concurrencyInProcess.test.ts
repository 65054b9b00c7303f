// Concurrency in one process: receive()/run() with `concurrency` keep N async handlers in
// flight on one consumer, each job handled exactly once, under one owner; close() waits for
// every job in hand and pause() stops new claims.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Pacchettino, type Job, type QueueOptions } from 'pacchettino';
import { entries, queuePath } from '../support/scratch';
import { isQueueError } from '../support/queueErrors';
import { childPids, pidAlive } from '../support/processes';

/** Handlers that stay in flight until released, counting how many are in flight at once. */
class HeldHandlers {
  inFlight = 0;
  maxInFlight = 0;
  readonly started: string[] = [];
  private readonly held: (() => void)[] = [];
  private waiters: { n: number; resolve(): void }[] = [];
  private startWaiters: { n: number; resolve(): void }[] = [];

  readonly handler = async (job: Job) => {
    this.started.push(job.id);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    this.waiters = this.waiters.filter((w) => (this.inFlight >= w.n ? (w.resolve(), false) : true));
    this.startWaiters = this.startWaiters.filter((w) => (this.started.length >= w.n ? (w.resolve(), false) : true));
    await new Promise<void>((resolve) => this.held.push(resolve));
    this.inFlight--;
    return 'SUCCESS' as const;
  };

  /** Resolves once `n` handlers are in flight at the same time. */
  inFlightAtLeast(n: number): Promise<void> {
    if (this.inFlight >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /** Resolves once `n` handlers have started in all. */
  startedAtLeast(n: number): Promise<void> {
    if (this.started.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.startWaiters.push({ n, resolve }));
  }

  releaseAll(): void {
    for (const r of this.held.splice(0)) r();
  }
}

function queueWith(t: Parameters<typeof queuePath>[0], jobs: number, options: QueueOptions = {}) {
  const q = new Pacchettino(queuePath(t), options);
  const ids = Array.from({ length: jobs }, (_, k) => q.sendData(`job ${k}`));
  t.after(() => q.close());
  return { q, ids };
}

for (const durable of [false, true]) {
  test(`receive({ concurrency: 8 })${durable ? ' (durable)' : ''}: 8 handlers in flight at most and at once, each of 400 jobs handled exactly once`, async (t) => {
    const { q, ids } = queueWith(t, 400, { durable });
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    const seen: string[] = [];
    const wave: (() => void)[] = [];
    // Each handler waits until 8 are in flight (or all that are left): they are released together, wave after wave.
    q.onJob = async (job) => {
      seen.push(job.id);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const released = new Promise<void>((resolve) => wave.push(resolve));
      if (inFlight === Math.min(8, ids.length - done)) for (const r of wave.splice(0)) r();
      await released;
      inFlight--;
      done++;
      return 'SUCCESS' as const;
    };
    assert.equal(await q.receive({ concurrency: 8 }), 400);
    assert.equal(maxInFlight, 8, 'never more than 8, and 8 at once (else the first wave would never be released)');
    assert.equal(inFlight, 0, 'receive() resolves once the last job is filed');
    assert.deepEqual([...seen].sort(), [...ids].sort(), 'every job once');
    assert.deepEqual(entries(q.layout.success), ids.map((id) => `raw-${id}`).sort());
    for (const d of [q.layout.queued, q.layout.processing, q.layout.tmp]) assert.deepEqual(entries(d), []);
  });
}

test('run({ concurrency: 4 }): close() waits for the 4 jobs in hand, files them, and claims no more', async (t) => {
  const { q, ids } = queueWith(t, 20);
  const h = new HeldHandlers();
  q.onJob = h.handler;
  const running = q.run({ concurrency: 4 });
  await h.inFlightAtLeast(4);
  let closed = false;
  const closing = q.close().then(() => (closed = true));
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, false, 'close() waits while jobs are in hand');
  assert.equal(entries(q.layout.processing).length, 4);
  h.releaseAll();
  await closing;
  assert.equal(await running, 4);
  assert.equal(h.maxInFlight, 4);
  assert.deepEqual(entries(q.layout.success), h.started.map((id) => `raw-${id}`).sort());
  assert.equal(entries(q.layout.queued).length, ids.length - 4, 'nothing claimed after close()');
  assert.deepEqual(entries(q.layout.processing), []);
});

test('run({ concurrency: 4 }): after pause() the jobs in hand finish and no new one starts until resume()', async (t) => {
  const { q, ids } = queueWith(t, 12);
  const h = new HeldHandlers();
  q.onJob = h.handler;
  let filed = 0;
  q.on('job', () => filed++);
  const running = q.run({ concurrency: 4 });
  await h.inFlightAtLeast(4);
  q.pause();
  h.releaseAll();
  // Bounded look for a claim that must not come: the lanes loop straight back to claiming.
  const deadline = Date.now() + 300;
  while (Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(filed, 4);
  assert.equal(h.started.length, 4, 'no job started while paused');
  assert.equal(entries(q.layout.queued).length, ids.length - 4);
  q.resume();
  while (h.started.length < ids.length) {
    await h.inFlightAtLeast(1);
    h.releaseAll();
  }
  await new Promise<void>((resolve) => (filed === ids.length ? resolve() : q.on('job', () => filed === ids.length && resolve())));
  q.stop();
  assert.equal(await running, ids.length);
  assert.deepEqual([...h.started].sort(), [...ids].sort(), 'every job once');
});

test('in lock mode the jobs in hand at once are all held by the one owner token', async (t) => {
  const { q } = queueWith(t, 6, { crashDetection: 'lock' });
  const h = new HeldHandlers();
  q.onJob = h.handler;
  const running = q.receive({ concurrency: 6 });
  await h.inFlightAtLeast(6);
  const owners = new Set(entries(q.layout.processing).map((d) => d.slice(d.lastIndexOf('.') + 1)));
  assert.equal(owners.size, 1, `one owner for all: ${[...owners].join(', ')}`);
  assert.ok(fs.existsSync(q.layout.owners), 'an owner file');
  assert.ok(
    entries(q.layout.owners).some((f) => f.includes([...owners][0])),
    'the token has its owner file',
  );
  h.releaseAll();
  assert.equal(await running, 6);
});

test('lock mode: when the lock holder dies under 4 jobs in flight, the lanes go on under one new owner, and close() releases every lock', async (t) => {
  const { q, ids } = queueWith(t, 12, { crashDetection: 'lock' });
  const h = new HeldHandlers();
  q.onJob = h.handler;
  q.on('warning', () => undefined); // OWNER_LOST, expected
  const running = q.run({ concurrency: 4 });
  await h.inFlightAtLeast(4);
  const tokenOf = (entry: string) => entry.slice(entry.lastIndexOf('.') + 1);
  const [oldToken] = new Set(entries(q.layout.processing).map(tokenOf));
  const holder = childPids(process.pid).find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`owner-${oldToken}`));
  assert.ok(holder, 'the flock holder of the lock');
  process.kill(holder, 'SIGKILL');
  // Bounded look: the holder's exit is what marks the lock lost.
  while (pidAlive(holder)) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 50));
  h.releaseAll();
  await h.startedAtLeast(8);
  const newTokens = new Set(entries(q.layout.processing).map(tokenOf));
  assert.equal(newTokens.size, 1, `one new owner for the lanes: ${[...newTokens].join(', ')}`);
  assert.ok(!newTokens.has(oldToken));
  while (h.started.length < ids.length) {
    await h.inFlightAtLeast(1);
    h.releaseAll();
  }
  h.releaseAll();
  await q.close();
  assert.equal(await running, ids.length);
  assert.deepEqual(entries(q.layout.owners), [], 'every lock released: none acquired twice and left behind');
});

test('a concurrency outside 1 to 1,024 is refused, naming the option', async (t) => {
  const { q } = queueWith(t, 1);
  await assert.rejects(q.receive({ concurrency: 0 }), isQueueError('BAD_OPTION', /concurrency/));
  await assert.rejects(q.run({ concurrency: 2.5 }), isQueueError('BAD_OPTION', /concurrency/));
  assert.equal(q.countQueued(), 1);
});
