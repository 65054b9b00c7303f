import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pacchettino } from 'pacchettino';
import * as protocol from '@pacchettino/shared';
import { queuePath } from '../support/scratch';
import { WorkerConnection, settingsFor } from '../support/workerConnection';

test('after a SIGKILL, a fresh worker on the same folders reports the same counts', async (t) => {
  const a = queuePath(t, 'a');
  const b = queuePath(t, 'b');
  const settings = settingsFor([a, b]);
  const first = await WorkerConnection.start(t, settings);
  await first.rpc.sendRequest(protocol.EnqueueDataRequest.type, { queue: a, data: 'one' });
  await first.rpc.sendRequest(protocol.EnqueueDataRequest.type, { queue: a, data: 'later', delayMs: 3_600_000 });
  const consumer = new Pacchettino(b);
  consumer.sendData('fails');
  consumer.sendData('succeeds');
  const results = ['FAILED', 'SUCCESS'] as const;
  let n = 0;
  consumer.onData = () => results[n++];
  assert.equal(await consumer.receive({ randomize: false }), 2);
  const before = await first.rpc.sendRequest(protocol.QueuesRequest.type);

  await first.crash();
  assert.equal((await first.exited).signal, 'SIGKILL');

  const second = await WorkerConnection.start(t, settings);
  const after = await second.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.deepEqual(after, before);
  assert.deepEqual(
    after.map((s) => s.counts),
    [
      { SCHEDULED: 1, QUEUED: 1, PROCESSING: 0, SUCCESS: 0, FAILED: 0, INTERRUPTED: 0 },
      { SCHEDULED: 0, QUEUED: 0, PROCESSING: 0, SUCCESS: 1, FAILED: 1, INTERRUPTED: 0 },
    ],
  );
});

test('shutdown and exit end the worker cleanly', async (t) => {
  const w = await WorkerConnection.start(t, settingsFor([queuePath(t)]));
  await w.rpc.sendRequest('shutdown');
  await w.rpc.sendNotification('exit');
  assert.deepEqual(await w.exited, { code: 0, signal: null });
});
