// Pausing a queue: our consumers, in any process, take no new job while it is paused,
// finish the job in hand, and are woken by the resume (a watch on .pacchettino/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Pacchettino } from 'pacchettino';
import { entries, queuePath } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';

test('a paused queue: a consumer in another process claims nothing for the whole of its wait, the job stays queued', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const consumer = await QueueProcess.start(t, { queue: base });
  q.pause();
  const id = q.sendData('waits');
  assert.equal(await consumer.request({ op: 'receiveOne', timeout: 1500 }), false);
  assert.equal(q.status(id), 'QUEUED');
  assert.equal(q.isPaused, true);
});

test('the job in hand when the pause comes is finished; the next one is not taken', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const consumer = await QueueProcess.start(t, { queue: base });
  const first = q.sendData('first');
  const running = consumer.request({ op: 'receiveOne', timeout: 5000, handler: 'block' });
  await consumer.nextEvent('running');
  q.pause();
  const second = q.sendData('second');
  await consumer.request({ op: 'release', result: 'SUCCESS' });
  assert.equal(await running, true);
  assert.equal(q.status(first), 'SUCCESS');
  assert.equal(await consumer.request({ op: 'receiveOne', timeout: 1000 }), false);
  assert.equal(q.status(second), 'QUEUED');
});

test('resume wakes a waiting consumer at once (the watch on .pacchettino/, not the one-second recheck)', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const consumer = await QueueProcess.start(t, { queue: base, options: { pollInterval: 5000 } });
  q.pause();
  const id = q.sendData('later');
  assert.equal(await consumer.request({ op: 'receiveOne', timeout: 300 }), false, 'claimed while paused');
  const waiting = consumer.request({ op: 'receiveOne', timeout: 10_000 });
  const resumedAt = Date.now();
  assert.equal(q.resume(), true);
  assert.equal(await waiting, true);
  const ran = await consumer.nextEvent('running');
  assert.ok(ran.at - resumedAt < 500, `started ${ran.at - resumedAt} ms after the resume`);
  assert.equal(q.status(id), 'SUCCESS');
});

test('a consumer in this process with watch:false honours the pause and resume too, by polling', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base, { watch: false, pollInterval: 50 });
  t.after(() => q.close());
  q.onData = () => 'SUCCESS';
  q.pause();
  q.sendData('x');
  assert.equal(await q.receive(), 0);
  const waiting = q.receiveOne({ timeout: 5000 });
  q.resume();
  assert.equal(await waiting, true);
});

test('pause is idempotent and keeps who paused first; resume of a running queue says so; the marker is ours, under .pacchettino/', (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const a = q.pause();
  const b = q.pause();
  assert.deepEqual(a, b);
  assert.deepEqual(q.pausedBy(), a);
  assert.equal(a.pid, process.pid);
  assert.deepEqual(entries(`${base}/.pacchettino`).includes('paused'), true);
  assert.equal(q.resume(), true);
  assert.equal(q.resume(), false);
  assert.equal(q.pausedBy(), undefined);
  // A marker made by hand (touch) pauses too.
  fs.writeFileSync(`${base}/.pacchettino/paused`, '');
  assert.equal(q.isPaused, true);
  assert.equal(typeof q.pausedBy()?.since, 'number');
});
