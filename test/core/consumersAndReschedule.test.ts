// Who is consuming (registrations of ours and owners of processing dirs), and moving a
// waiting job's due time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pacchettino, QueueError } from 'pacchettino';
import { queuePath } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';

test('consumers(): an idle consumer of ours shows from its first receive until close(), with its label', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  assert.deepEqual(q.consumers(), []);
  const consumer = await QueueProcess.start(t, { queue: base, options: { consumerLabel: 'thumbnails' } });
  assert.equal(await consumer.request({ op: 'receiveOne', timeout: 0 }), false);
  const [c] = q.consumers();
  assert.equal(c.pid, consumer.pid);
  assert.equal(c.command, 'thumbnails');
  assert.deepEqual(c.jobs, []);
  await consumer.close();
  assert.deepEqual(q.consumers(), []);
});

test('consumers(): one killed without close() is not listed, and the sweep removes its registration', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const consumer = await QueueProcess.start(t, { queue: base });
  await consumer.request({ op: 'receiveOne', timeout: 0 });
  assert.equal(q.consumers().length, 1);
  await consumer.kill('SIGKILL');
  assert.deepEqual(q.consumers(), []);
  q.recover();
  assert.deepEqual(q.consumers(), []);
});

test('reschedule(): a scheduled job to a later time, a queued one into scheduled/, now queues it; a running job is BUSY', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const later = q.sendData('later', { delay: 60_000 });
  const due = Date.now() + 3_600_000;
  assert.equal(q.reschedule(later, due), due);
  assert.equal(q.details(later)?.dueAt, due);
  const waiting = q.sendData('now');
  q.reschedule(waiting, due);
  assert.equal(q.status(waiting), 'SCHEDULED');
  q.reschedule(waiting, 0);
  assert.equal(q.status(waiting), 'QUEUED');

  const consumer = await QueueProcess.start(t, { queue: base });
  void consumer.request({ op: 'receiveOne', timeout: 5000, handler: 'block' });
  const running = await consumer.nextEvent('running');
  assert.throws(
    () => q.reschedule(running.id, due),
    (err: unknown) => err instanceof QueueError && err.code === 'BUSY',
  );
  await consumer.request({ op: 'release', result: 'SUCCESS' });
});
