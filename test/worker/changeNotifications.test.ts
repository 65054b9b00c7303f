import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pacchettino } from 'pacchettino';
import * as protocol from '@pacchettino/shared';
import { QueueProcess } from '../support/queueProcess';
import { queuePath } from '../support/scratch';
import { WorkerConnection, settingsFor, summaryOf } from '../support/workerConnection';

test('10,000 jobs sent by another process arrive as a handful of notifications', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const producer = await QueueProcess.start(t, { queue: q });
  const since = w.changes.length;

  await producer.send({ data: 'x', count: 10_000 });
  await w.waitForSummary(q, (s) => s.counts?.QUEUED === 10_000, since, 30_000);

  const got = w.changes.slice(since);
  t.diagnostic(`${got.length} notifications for 10,000 jobs: QUEUED ${got.map((c) => summaryOf(c.queues, q)?.counts?.QUEUED).join(', ')}`);
  assert.ok(got.length <= 20, `${got.length} notifications`);
  assert.equal(summaryOf(got[got.length - 1].queues, q)?.counts?.QUEUED, 10_000, 'the last one shows them all');
  const queued = got.map((c) => summaryOf(c.queues, q)?.counts?.QUEUED ?? -1);
  assert.deepEqual(
    queued,
    [...queued].sort((a, b) => a - b),
    'counts only grow while jobs only arrive',
  );
});

/** Polling so seldom that a change seen within NOTIFIED_WITHIN_MS came another way (a watch, a request). */
const NO_POLLING = { pollInterval: 3600 };
const NOTIFIED_WITHIN_MS = 5000;

test('a notification carries only the queues that changed, and a watched change arrives without polling', async (t) => {
  const a = queuePath(t, 'a');
  const b = queuePath(t, 'b');
  const w = await WorkerConnection.start(t, settingsFor([a, b], NO_POLLING));
  const [summary] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.equal(summary.watching, true);
  const since = w.changes.length;
  new Pacchettino(b).sendData('one');
  const change = await w.waitForChange((c) => summaryOf(c.queues, b)?.counts?.QUEUED === 1, since, NOTIFIED_WITHIN_MS);
  assert.deepEqual(
    change.queues.map((s) => s.path),
    [b],
  );
});

test('with watch: false the queue is polled, reported as not watching, and changes still arrive', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q], { watch: false }));
  const [summary] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.equal(summary.watching, false);
  const since = w.changes.length;
  const queue = new Pacchettino(q);
  queue.sendData('one');
  queue.sendData('two');
  const seen = await w.waitForSummary(q, (s) => s.counts?.QUEUED === 2, since);
  assert.equal(seen.watching, false);
});

test('requests that change a queue are followed by a notification, with neither watch nor polling to tell', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q], { watch: false, ...NO_POLLING }));
  const since = w.changes.length;
  const started = Date.now();
  await w.rpc.sendRequest(protocol.EnqueueDataRequest.type, { queue: q, data: 'x' });
  // Polling would take an hour: the request marks the queue itself.
  await w.waitForSummary(q, (s) => s.counts?.QUEUED === 1, since, NOTIFIED_WITHIN_MS);
  t.diagnostic(`notified after ${Date.now() - started} ms`);
});
