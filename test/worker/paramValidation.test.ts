import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import * as protocol from '@pacchettino/shared';
import { queuePath } from '../support/scratch';
import { WorkerConnection, settingsFor } from '../support/workerConnection';

const INVALID_PARAMS = -32602;
const METHOD_NOT_FOUND = -32601;
const { WorkerErrorCodes } = protocol;

const HUGE = 'x'.repeat(100_000);
const ALL_KEPT = ['SUCCESS', 'FAILED', 'INTERRUPTED'];

/** Params that are wrong for every method: not an object at all. */
const NOT_OBJECTS: unknown[] = [null, 'queue', 42, true, [], [1, 2], [{}]];

/** Wrong params per method, besides NOT_OBJECTS. `q` is a configured queue. */
function badParams(q: string, file: string): Record<string, unknown[]> {
  const ok = { queue: q };
  return {
    [protocol.ConfigureRequest.method]: [
      {},
      { queues: q, keep: ALL_KEPT, recoveryInterval: 60 },
      { queues: ['relative/queue'], keep: ALL_KEPT, recoveryInterval: 60 },
      { queues: [null], keep: ALL_KEPT, recoveryInterval: 60 },
      { queues: [`/${HUGE}`], keep: ALL_KEPT, recoveryInterval: 60 },
      { queues: Array.from({ length: 1000 }, (_, i) => `/q${i}`), keep: ALL_KEPT, recoveryInterval: 60 },
      { queues: [q], keep: 'SUCCESS', recoveryInterval: 60 },
      { queues: [q], keep: ['QUEUED'], recoveryInterval: 60 },
      { queues: [q], keep: ALL_KEPT },
      { queues: [q], keep: ALL_KEPT, recoveryInterval: 0 },
      { queues: [q], keep: ALL_KEPT, recoveryInterval: '60' },
      { queues: [q], keep: ALL_KEPT, recoveryInterval: 60, watch: 'yes' },
      { queues: [`/a\0b`], keep: ALL_KEPT, recoveryInterval: 60 },
    ],
    [protocol.JobsRequest.method]: [
      {},
      { state: 'QUEUED' },
      { queue: 42, state: 'QUEUED' },
      { queue: 'relative', state: 'QUEUED' },
      { queue: q },
      { queue: q, state: 'queued' },
      { queue: q, state: 'QUEUED', offset: -1 },
      { queue: q, state: 'QUEUED', offset: 1.5 },
      { queue: q, state: 'QUEUED', limit: 1e6 },
      { queue: q, state: 'QUEUED', limit: '10' },
      { queue: q, state: 'QUEUED', order: 'newest' },
      { queue: `/${HUGE}`, state: 'QUEUED' },
    ],
    [protocol.JobRequest.method]: [ok, { queue: q, id: 42 }, { queue: q, id: '' }, { queue: q, id: '../../etc/passwd' }, { queue: q, id: HUGE }, { id: 'abc' }],
    [protocol.EnqueueFilesRequest.method]: [
      ok,
      { queue: q, files: file },
      { queue: q, files: [1] },
      { queue: q, files: ['relative.txt'] },
      { queue: q, files: [file], move: 'yes' },
      { queue: q, files: [file], delayMs: -5 },
      { queue: q, files: Array.from({ length: 10_001 }, () => file) },
    ],
    [protocol.EnqueueDataRequest.method]: [
      ok,
      { queue: q, data: 42 },
      { queue: q, data: { bytes: 'x' } },
      { queue: q, data: 'x', delayMs: 'soon' },
      { queue: q, data: 'é'.repeat(4 * 1024 * 1024 + 1) }, // 8 MiB and 2 bytes of UTF-8
      { data: 'x' },
    ],
    [protocol.RequeueRequest.method]: [
      ok,
      { queue: q, ids: [] },
      { queue: q, ids: 'abc' },
      { queue: q, ids: [{}] },
      { queue: q, states: ['NOPE'] },
      { queue: q, states: 'FAILED' },
    ],
    [protocol.DeleteRequest.method]: [ok, { queue: q, ids: null }, { queue: q, ids: [HUGE] }, { queue: q, ids: ['a/b'] }],
    [protocol.CleanupRequest.method]: [ok, { queue: q, states: 'SUCCESS' }, { queue: q, states: ['DONE'] }, { queue: q, states: ['SUCCESS'], olderThanMs: -1 }],
    [protocol.RecoverRequest.method]: [{ queue: 7 }, { queue: 'relative' }, { queue: null }],
  };
}

test('malformed params of every method get InvalidParams, and the worker keeps answering', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const methods = badParams(q, '/tmp/some-file.txt');
  let asked = 0;
  for (const [method, cases] of Object.entries(methods)) {
    // Absent params too: a byName request without params is refused by vscode-jsonrpc itself.
    for (const params of [undefined, ...NOT_OBJECTS, ...cases]) {
      const reply = await w.raw(method, params);
      const shown = JSON.stringify(params)?.slice(0, 80);
      assert.equal(reply.error?.code, INVALID_PARAMS, `${method} ${shown}: ${JSON.stringify(reply).slice(0, 300)}`);
      assert.ok(reply.error.message.length < 1000, `${method} ${shown}: a short message, not an echo of the params`);
      asked++;
    }
  }
  for (const params of [{ unexpected: true }, 'x', 42, [1, 2]]) {
    const reply = await w.raw(protocol.QueuesRequest.method, params);
    assert.equal(reply.error?.code, INVALID_PARAMS, `queues ${JSON.stringify(params)}`);
  }
  t.diagnostic(`${asked} malformed requests refused`);

  // Still alive, still configured as before the storm.
  assert.equal(w.child.exitCode, null);
  const summaries = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.deepEqual(
    summaries.map((s) => s.path),
    [q],
  );
});

test('a queue that is not configured is UnknownQueue; an unknown method is MethodNotFound', async (t) => {
  const q = queuePath(t);
  const other = queuePath(t, 'other');
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const asks: [string, unknown][] = [
    [protocol.JobsRequest.method, { queue: other, state: 'QUEUED' }],
    [protocol.JobRequest.method, { queue: other, id: 'abc' }],
    [protocol.EnqueueDataRequest.method, { queue: other, data: 'x' }],
    [protocol.EnqueueFilesRequest.method, { queue: other, files: [] }],
    [protocol.RequeueRequest.method, { queue: other, states: ['FAILED'] }],
    [protocol.DeleteRequest.method, { queue: other, ids: ['abc'] }],
    [protocol.CleanupRequest.method, { queue: other, states: ['SUCCESS'] }],
    [protocol.RecoverRequest.method, { queue: other }],
  ];
  for (const [method, params] of asks) {
    const reply = await w.raw(method, params);
    assert.equal(reply.error?.code, WorkerErrorCodes.UnknownQueue, method);
    assert.match(reply.error.message, /not a configured queue/);
  }
  const unknown = await w.raw('pacchettino/noSuchThing', {});
  assert.equal(unknown.error?.code, METHOD_NOT_FOUND);
  assert.equal((await w.raw(protocol.QueuesRequest.method, [null])).error, undefined, 'what vscode-jsonrpc sends for a void request');
});

test('bad initializationOptions are logged and ignored; a configure request then works', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, { queues: 'not an array' } as never);
  assert.deepEqual(await w.rpc.sendRequest(protocol.QueuesRequest.type), []);
  assert.ok(
    w.logs.some((l) => /Ignoring initializationOptions/.test(l)),
    w.logs.join('\n'),
  );
  const summaries = await w.rpc.sendRequest(protocol.ConfigureRequest.type, settingsFor([q]));
  assert.equal(summaries[0].path, q);
});
