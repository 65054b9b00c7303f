// A waiting consumer is woken by a job sent from another process, by a file-system watch;
// without watching it still finds jobs by polling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { Pacchettino, type QueueOptions } from 'pacchettino';
import { queuePath } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Sends `rounds` jobs one by one from another process to a consumer waiting here; returns the ms from send to handler. */
async function wakeLatencies(t: Parameters<typeof queuePath>[0], options: QueueOptions, rounds: number): Promise<number[]> {
  const base = queuePath(t, 'wake');
  const q = new Pacchettino(base, options);
  t.after(() => q.close());
  const producer = await QueueProcess.start(t, { queue: base });
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let receivedAt = 0;
    q.onData = () => ((receivedAt = Date.now()), 'SUCCESS');
    const waiting = q.receiveOne({ timeout: 5000 });
    await tick(); // let it find the queue empty and start waiting
    const { startedAt } = await producer.send({ data: `wake ${i}` });
    assert.equal(await waiting, true, `round ${i}: no job within the timeout`);
    latencies.push(receivedAt - startedAt);
  }
  return latencies;
}

test('receiveOne({timeout}) on an empty queue is woken by a send from another process, well inside the poll interval', async (t) => {
  const latencies = await wakeLatencies(t, {}, 7);
  assert.ok(median(latencies) < 80, `median wake-up ${median(latencies)} ms (all: ${latencies.join(', ')}); polling alone would be ~100`);
});

test('the wake-up comes from the watch, not the poll: with a 5 s poll interval it still takes well under 80 ms', async (t) => {
  const latencies = await wakeLatencies(t, { pollInterval: 5000 }, 5);
  assert.ok(Math.max(...latencies) < 80, `wake-ups: ${latencies.join(', ')} ms`);
});

test('with watch:false it still gets the job, by polling every pollInterval', async (t) => {
  const latencies = await wakeLatencies(t, { watch: false, pollInterval: 100 }, 3);
  for (const ms of latencies) assert.ok(ms < 1000, `found after ${ms} ms`);
});

test('a job sent with a delay from another process wakes a waiting consumer at its due time', async (t) => {
  const base = queuePath(t, 'wake');
  const q = new Pacchettino(base);
  t.after(() => q.close());
  const producer = await QueueProcess.start(t, { queue: base });
  let receivedAt = 0;
  q.onData = () => ((receivedAt = Date.now()), 'SUCCESS');
  const waiting = q.receiveOne({ timeout: 5000 });
  await tick();
  const { startedAt } = await producer.send({ data: 'later', delay: 300 });
  assert.equal(await waiting, true);
  assert.ok(receivedAt - startedAt >= 300, `handled ${receivedAt - startedAt} ms after the send, before its delay`);
  assert.ok(receivedAt - startedAt < 1000, `handled ${receivedAt - startedAt} ms after the send`);
});

test('on a queue that stays empty, receiveOne({timeout}) returns false after the timeout', async (t) => {
  const q = new Pacchettino(queuePath(t, 'wake'));
  t.after(() => q.close());
  const started = Date.now();
  assert.equal(await q.receiveOne({ timeout: 250 }), false);
  const took = Date.now() - started;
  assert.ok(took >= 245 && took < 1000, `returned after ${took} ms`);
});

test('stop() makes a waiting receive return false at once', async (t) => {
  const q = new Pacchettino(queuePath(t, 'wake'));
  t.after(() => q.close());
  const started = Date.now();
  const waiting = q.receiveOne({ timeout: 10_000 });
  await tick();
  q.stop();
  assert.equal(await waiting, false);
  assert.ok(Date.now() - started < 500);
});
