// Delayed sends and scheduled/, RETRY with retryDelay and backoff, maxAttempts, FIFO order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino } from 'pacchettino';
import { entries, queuePath, scratchDir } from '../support/scratch';
import { layOutQueue, uuidV7, writeQueuedData, writeQueuedFile } from '../support/originalLayout';

/** The one entry of scheduled/, split into its due time and job name. */
function scheduledEntry(base: string): { due: number; job: string; raw: string } {
  const names = entries(path.join(base, 'scheduled'));
  assert.equal(names.length, 1, `scheduled/ holds ${names.join(', ')}`);
  const m = /^(\d{13})-(.*)$/.exec(names[0]);
  assert.ok(m, `not <13-digit due>-<job>: ${names[0]}`);
  return { due: Number(m[1]), job: m[2], raw: names[0] };
}

test('a delayed send waits in scheduled/<due>-<job name> and is handled once due, not before', async (t) => {
  const dir = scratchDir(t);
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const before = Date.now();
  const id = q.sendData('later', { delay: 250 });
  const after = Date.now();
  const s = scheduledEntry(base);
  assert.equal(s.job, `raw-${id}`);
  assert.ok(s.due >= before + 250 && s.due <= after + 250, `due ${s.due} not in [${before + 250}, ${after + 250}]`);
  assert.deepEqual(entries(path.join(base, 'queued')), []);
  assert.equal(q.isScheduled(id), true);
  assert.equal(q.status(id), 'SCHEDULED');
  assert.equal(q.countScheduled(), 1);

  let handledAt = 0;
  q.onData = () => ((handledAt = Date.now()), 'SUCCESS');
  assert.equal(await q.receiveOne(), false, 'not due yet');
  assert.equal(await q.receiveOne({ timeout: 5000 }), true);
  assert.ok(handledAt >= s.due, `handled at ${handledAt}, before its due time ${s.due}`);
  assert.ok(handledAt - s.due < 1000, `handled ${handledAt - s.due} ms after due`);
  assert.equal(q.status(id), 'SUCCESS');
});

test('a delayed file send keeps its name: scheduled/<due>-fle-<id>-<basename>', (t) => {
  const dir = scratchDir(t);
  const q = new Pacchettino(path.join(dir, 'q'));
  fs.writeFileSync(path.join(dir, 'x-y.z'), 'body');
  const id = q.sendFile(path.join(dir, 'x-y.z'), { delay: 60_000 });
  assert.equal(scheduledEntry(path.join(dir, 'q')).job, `fle-${id}-x-y.z`);
  assert.equal(q.status(`fle-${id}-x-y.z`), 'SCHEDULED');
});

test('RETRY with retryDelay goes to scheduled/ for that long, then runs again as attempt 2', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base, { retryDelay: 200, retryBackoff: 'fixed' });
  const id = q.sendData('x');
  const runs: { attempt: number; at: number }[] = [];
  q.onData = (job) => {
    runs.push({ attempt: job.attempt, at: Date.now() });
    return runs.length === 1 ? 'RETRY' : 'SUCCESS';
  };
  assert.equal(await q.receiveOne(), true);
  const filedBy = Date.now();
  const s = scheduledEntry(base);
  assert.equal(s.job, `raw-${id}`);
  assert.ok(s.due >= runs[0].at + 200 && s.due <= filedBy + 200);
  assert.equal(q.status(id), 'SCHEDULED');
  assert.equal(q.details(id)?.attempts, 1);
  assert.equal(q.details(id)?.record?.lastResult, 'RETRY');

  assert.equal(await q.receiveOne({ timeout: 5000 }), true);
  assert.deepEqual(
    runs.map((r) => r.attempt),
    [1, 2],
  );
  assert.ok(runs[1].at >= s.due, 'not run again before its due time');
  assert.equal(q.status(id), 'SUCCESS');
});

test('RETRY with retryDelay 0 (the default) goes straight back to queued/', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const id = q.sendData('x');
  q.onData = () => 'RETRY';
  await q.receiveOne();
  assert.deepEqual(entries(path.join(base, 'queued')), [`raw-${id}`]);
  assert.deepEqual(entries(path.join(base, 'scheduled')), []);
});

test('exponential backoff doubles the delay per attempt up to maxRetryDelay; maxAttempts then fails the job', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base, { retryDelay: 40, retryBackoff: 'exponential', maxRetryDelay: 100, maxAttempts: 5 });
  const id = q.sendData('x');
  let started = 0;
  const attempts: number[] = [];
  q.onData = (job) => {
    started = Date.now();
    attempts.push(job.attempt);
    return 'RETRY';
  };
  const delays: [number, number][] = [];
  for (let i = 0; i < 4; i++) {
    assert.equal(await q.receiveOne({ timeout: 5000 }), true);
    const s = scheduledEntry(base);
    delays.push([s.due - Date.now(), s.due - started]); // the delay lies between these two
  }
  const expected = [40, 80, 100, 100];
  delays.forEach(([lo, hi], i) => assert.ok(lo <= expected[i] && expected[i] <= hi, `retry ${i + 1}: delay in [${lo}, ${hi}], expected ${expected[i]}`));
  assert.equal(await q.receiveOne({ timeout: 5000 }), true);
  assert.deepEqual(attempts, [1, 2, 3, 4, 5]);
  assert.equal(q.status(id), 'FAILED');
  assert.deepEqual(entries(path.join(base, 'scheduled')), []);
  assert.match(q.details(id)?.reason ?? '', /gave up after 5 attempts/);
  assert.equal(q.details(id)?.attempts, 5);
});

test('maxAttempts without a delay: a job that always asks to retry fails after that many runs', async (t) => {
  const q = new Pacchettino(queuePath(t), { maxAttempts: 3 });
  const id = q.sendData('x');
  const attempts: number[] = [];
  q.onData = (job) => (attempts.push(job.attempt), { result: 'RETRY', reason: 'upstream busy' });
  assert.equal(await q.receive(), 3);
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.equal(q.status(id), 'FAILED');
  assert.equal(q.details(id)?.reason, 'gave up after 3 attempts: upstream busy');
});

test('maxAttempts 0 (the default) never gives up, as the original', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const id = q.sendData('x');
  let runs = 0;
  q.onData = () => (++runs < 12 ? 'RETRY' : 'SUCCESS');
  assert.equal(await q.receive(), 12);
  assert.equal(q.status(id), 'SUCCESS');
});

test('randomize:false takes jobs oldest first (by id), whatever order they were written in', async (t) => {
  const dir = scratchDir(t);
  const base = path.join(dir, 'q');
  layOutQueue(base);
  const now = Date.now();
  // Written newest first, by hand: only the ids say which is older.
  const names = [
    writeQueuedData(base, uuidV7(now - 10, 0), 'd'),
    writeQueuedFile(base, uuidV7(now - 20, 1), 'c-file.txt', 'c'),
    writeQueuedData(base, uuidV7(now - 20, 0), 'b'),
    writeQueuedData(base, uuidV7(now - 30, 5), 'a'),
  ];
  const q = new Pacchettino(base);
  const sent = Array.from({ length: 40 }, (_, i) => `raw-${q.sendData(String(i))}`);
  const order: string[] = [];
  q.onJob = (job) => (order.push(job.name), 'SUCCESS');
  for (let i = 0; i < 10; i++) assert.equal(await q.receiveOne({ randomize: false }), true);
  assert.equal(await q.receive({ randomize: false }), 34);
  assert.deepEqual(order, [...names.reverse(), ...sent]);
});

test('the default order is random', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const sent = Array.from({ length: 40 }, (_, i) => q.sendData(String(i)));
  const order: string[] = [];
  q.onJob = (job) => (order.push(job.id), 'SUCCESS');
  assert.equal(await q.receive(), 40);
  assert.deepEqual([...order].sort(), sent);
  assert.notDeepEqual(order, sent, 'forty jobs in send order by chance: odds 1 in 40!');
});

test('a scheduled job promoted while consuming oldest first is taken before younger queued jobs', async (t) => {
  const q = new Pacchettino(queuePath(t), { recoveryInterval: 0 });
  const early = q.sendData('early', { delay: 150 });
  const b = q.sendData('b');
  const c = q.sendData('c');
  const order: string[] = [];
  q.onData = (job) => (order.push(job.id), 'SUCCESS');
  assert.equal(await q.receiveOne({ randomize: false }), true); // b; c stays in this consumer's listing
  await delay(200); // real time must pass for `early` to fall due
  assert.equal(await q.receiveOne({ randomize: false }), true);
  assert.equal(await q.receiveOne({ randomize: false }), true);
  assert.deepEqual(order, [b, early, c]);
});
