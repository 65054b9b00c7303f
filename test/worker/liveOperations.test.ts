// The worker's live operations: pause and resume, who is consuming, progress pushed, rescheduling.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import * as protocol from '@pacchettino/shared';
import { QueueProcess } from '../support/queueProcess';
import { queuePath } from '../support/scratch';
import { WorkerConnection, settingsFor } from '../support/workerConnection';

test('PauseRequest pauses and resumes; the summary says so, and a pause made elsewhere is pushed', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const before = Date.now();
  const paused = await w.rpc.sendRequest(protocol.PauseRequest.type, { queue: q, paused: true });
  assert.ok((paused.paused ?? 0) >= before - 1000);
  assert.ok(new Pacchettino(q).isPaused);
  const resumed = await w.rpc.sendRequest(protocol.PauseRequest.type, { queue: q, paused: false });
  assert.equal(resumed.paused, undefined);

  const since = w.changes.length;
  new Pacchettino(q).pause(); // the CLI, say
  await w.waitForSummary(q, (s) => s.paused !== undefined, since);
});

test('PauseRequest without `paused` is InvalidParams naming the field', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const reply = await w.raw(protocol.PauseRequest.method, { queue: q });
  assert.equal(reply.error?.code, -32602);
  assert.match(reply.error.message, /`paused` is required/);
});

test('ConsumersRequest lists a consumer in another process, idle and then with its job and progress; the summary counts it', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const consumer = await QueueProcess.start(t, { queue: q, options: { consumerLabel: 'resize images' } });
  const since = w.changes.length;
  const id = new Pacchettino(q).sendData('x');
  void consumer.request({ op: 'receiveOne', timeout: 5000, handler: 'block' });
  await consumer.nextEvent('running');
  fs.writeFileSync(path.join(q, '.pacchettino', 'progress', id), '42 resizing\n');
  await w.waitForSummary(q, (s) => s.consumers === 1 && s.counts?.PROCESSING === 1, since);

  const [c] = await w.rpc.sendRequest(protocol.ConsumersRequest.type, { queue: q });
  assert.equal(c.pid, consumer.pid);
  assert.equal(c.registered, true);
  assert.equal(c.command, 'resize images');
  assert.deepEqual(
    c.jobs.map((j) => [j.id, j.progress?.percent, j.progress?.message]),
    [[id, 42, 'resizing']],
  );
  const page = await w.rpc.sendRequest(protocol.JobsRequest.type, { queue: q, state: 'PROCESSING' });
  assert.equal(page.jobs[0].progress?.message, 'resizing');

  const sinceRelease = w.changes.length;
  await consumer.request({ op: 'release', result: 'SUCCESS' });
  await consumer.close();
  await w.waitForSummary(q, (s) => s.consumers === 0 && s.counts?.SUCCESS === 1, sinceRelease);
  assert.deepEqual(await w.rpc.sendRequest(protocol.ConsumersRequest.type, { queue: q }), []);
});

test('a processing dir of a live process that never registered (the original, from a shell) shows as a consumer with its command line', async (t) => {
  const q = queuePath(t);
  new Pacchettino(q);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  // This test process stands in for the original's consumer: a live pid, no registration.
  const name = 'raw-01937f3c-9a2b-7c4d-8e5f-0123456789ab';
  fs.mkdirSync(path.join(q, 'processing', `${name}.${process.pid}`));
  fs.writeFileSync(path.join(q, 'processing', `${name}.${process.pid}`, 'raw'), 'x');
  const [c] = await w.rpc.sendRequest(protocol.ConsumersRequest.type, { queue: q });
  assert.equal(c.registered, false);
  assert.equal(c.pid, process.pid);
  assert.match(c.command ?? '', /node/);
  assert.equal(c.jobs[0].name, name);
});

test('RescheduleRequest moves a scheduled job to a new due time, or queues it now', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const core = new Pacchettino(q);
  const id = core.sendData('later', { delay: 3_600_000 });
  const due = Date.now() + 7_200_000;
  assert.deepEqual(await w.rpc.sendRequest(protocol.RescheduleRequest.type, { queue: q, id, dueAt: due }), { dueAt: due });
  assert.equal(core.details(id)?.dueAt, due);
  await w.rpc.sendRequest(protocol.RescheduleRequest.type, { queue: q, id, dueAt: 0 });
  assert.equal(core.status(id), 'QUEUED');
  await assert.rejects(w.rpc.sendRequest(protocol.RescheduleRequest.type, { queue: q, id: '01937f3c-0000-7000-8000-000000000000', dueAt: 0 }), /No job/);
});
