// The worker's find, filter/sort/page, details (history, payload preview), bulk
// (matching ids, promote) and queue discovery requests, and read-only mode, against a
// real worker process over IPC.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Pacchettino } from 'pacchettino';
import * as protocol from '@pacchettino/shared';
import { uuidV7 } from '../support/originalLayout';
import { queuePath, scratchDir } from '../support/scratch';
import { WorkerConnection, settingsFor } from '../support/workerConnection';

const {
  DiscoverQueuesRequest,
  FindJobRequest,
  FolderContentsRequest,
  JobRequest,
  JobsRequest,
  MatchingIdsRequest,
  PromoteRequest,
  RequeueRequest,
  WorkerErrorCodes,
} = protocol;

test('findJob finds a job in whichever queue and state it is, by id, prefix, name or pasted path; an ambiguous prefix is refused naming both', async (t) => {
  const a = queuePath(t, 'a');
  const b = queuePath(t, 'b');
  const qa = new Pacchettino(a);
  const qb = new Pacchettino(b);
  const queued = qa.sendData('in a');
  const later = qb.sendData('in b', { delay: 3_600_000 });
  const w = await WorkerConnection.start(t, settingsFor([a, b]));

  for (const text of [queued, queued.slice(0, 20), `raw-${queued}`, path.join(a, 'queued', `raw-${queued}`)]) {
    const r = await w.rpc.sendRequest(FindJobRequest.type, { text });
    assert.deepEqual(
      r.matches.map((m) => [m.queue, m.job.id, m.job.state]),
      [[a, queued, 'QUEUED']],
      text,
    );
    assert.deepEqual(r.refusals, []);
  }
  const scheduledEntry = fs.readdirSync(path.join(b, 'scheduled'))[0];
  const byPath = await w.rpc.sendRequest(FindJobRequest.type, { text: path.join(b, 'scheduled', scheduledEntry) });
  assert.deepEqual(
    byPath.matches.map((m) => [m.queue, m.job.id, m.job.state]),
    [[b, later, 'SCHEDULED']],
  );

  const ms = Date.now();
  const twins = [uuidV7(ms, 1), uuidV7(ms, 2)];
  for (const id of twins) fs.writeFileSync(path.join(b, 'failed', `raw-${id}`), 'twin');
  const amb = await w.rpc.sendRequest(FindJobRequest.type, { text: twins[0].slice(0, 13) });
  assert.deepEqual(amb.matches, []);
  assert.equal(amb.refusals.length, 1);
  assert.equal(amb.refusals[0].item, b);
  assert.match(amb.refusals[0].message, new RegExp(`names 2 jobs: ${twins[0]} \\(failed\\), ${twins[1]} \\(failed\\)`));
  const none = await w.rpc.sendRequest(FindJobRequest.type, { text: uuidV7(1) });
  assert.deepEqual(none, { matches: [], refusals: [] });
  const bad = await w.raw(FindJobRequest.method, { text: 42 });
  assert.equal(bad.error?.code, -32602);
});

test('jobs pages a filtered, sorted state, and the page around a job; matchingIds gives every match', async (t) => {
  const q = queuePath(t);
  const queue = new Pacchettino(q);
  const src = scratchDir(t, 'src');
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const name = `${i % 3 === 0 ? 'report' : 'image'}-${String(i).padStart(2, '0')}.${i % 3 === 0 ? 'csv' : 'png'}`;
    fs.writeFileSync(path.join(src, name), 'x'.repeat(i + 1));
    ids.push(queue.sendFile(path.join(src, name)));
  }
  queue.onFile = (job) => ({ result: 'FAILED', reason: job.originalName.endsWith('csv') ? 'bad CSV header' : 'too big' });
  assert.equal(await queue.receive({ randomize: false }), 30);
  await queue.close();
  const w = await WorkerConnection.start(t, settingsFor([q]));

  const csv = await w.rpc.sendRequest(JobsRequest.type, { queue: q, state: 'FAILED', filter: { nameContains: 'csv' }, sort: 'size', order: 'desc', limit: 4 });
  assert.equal(csv.total, 10);
  assert.equal(csv.unfiltered, 30);
  assert.deepEqual(
    csv.jobs.map((j) => j.originalName),
    ['report-27.csv', 'report-24.csv', 'report-21.csv', 'report-18.csv'],
  );
  const byReason = await w.rpc.sendRequest(JobsRequest.type, { queue: q, state: 'FAILED', filter: { reasonContains: 'header' }, limit: 100 });
  assert.equal(byReason.total, 10);
  const around = await w.rpc.sendRequest(JobsRequest.type, { queue: q, state: 'FAILED', sort: 'name', limit: 10, around: ids[3] });
  // By name: image-01…image-29 (20) come first, then report-00, report-03, …: report-03 is 22nd.
  assert.equal(around.index, 21);
  assert.equal(around.offset, 20);
  assert.equal(around.jobs[1].id, ids[3]);
  const matching = await w.rpc.sendRequest(MatchingIdsRequest.type, { queue: q, state: 'FAILED', filter: { nameContains: 'report' } });
  assert.deepEqual(
    matching.ids,
    ids.filter((_, i) => i % 3 === 0),
  );
  const badSort = await w.raw(JobsRequest.method, { queue: q, state: 'FAILED', sort: 'colour' });
  assert.equal(badSort.error?.code, -32602);
  assert.match(badSort.error.message, /`sort` must be one of sent, finished, name, size/);
});

test('job details carry every attempt and a payload preview: text capped, binary as hex', async (t) => {
  const q = queuePath(t);
  const queue = new Pacchettino(q, { maxAttempts: 3 });
  const text = queue.sendData('line one\nline two\n');
  let n = 0;
  queue.onData = () => (++n < 3 ? { result: 'RETRY', reason: `attempt ${n} timed out`, exitCode: 75 } : { result: 'FAILED', reason: 'gave up', exitCode: 1 });
  assert.equal(await queue.receive(), 3);
  const binary = queue.sendData(Buffer.from([0, 1, 2, 0xff, 0x41]));
  const big = queue.sendData('é'.repeat(20_000));
  await queue.close();
  const w = await WorkerConnection.start(t, settingsFor([q]));

  const d = await w.rpc.sendRequest(JobRequest.type, { queue: q, id: text, preview: true });
  assert.deepEqual(
    d?.record?.history?.map((h) => [h.attempt, h.result, h.reason, h.exitCode]),
    [
      [1, 'RETRY', 'attempt 1 timed out', 75],
      [2, 'RETRY', 'attempt 2 timed out', 75],
      [3, 'FAILED', 'gave up', 1],
    ],
  );
  assert.ok(d?.record?.history?.every((h) => typeof h.startedAt === 'number' && h.startedAt <= h.endedAt));
  assert.deepEqual(d?.preview, { kind: 'text', content: 'line one\nline two\n', shown: 18, size: 18 });
  const bin = await w.rpc.sendRequest(JobRequest.type, { queue: q, id: binary, preview: true });
  assert.equal(bin?.preview?.kind, 'binary');
  assert.equal(bin?.preview?.content, `00000000  ${'00 01 02 ff 41'.padEnd(47)}  |....A|`);
  const cut = await w.rpc.sendRequest(JobRequest.type, { queue: q, id: big, preview: true });
  assert.equal(cut?.preview?.kind, 'text', 'a head cut inside a character is still text');
  assert.equal(cut?.preview?.size, 40_000);
  assert.ok(cut.preview.content.length <= 16 * 1024 && cut.preview.content.length > 8000);
  assert.equal((await w.rpc.sendRequest(JobRequest.type, { queue: q, id: text }))?.preview, undefined, 'no preview unless asked');
});

test('promote makes scheduled jobs due now and reports, per item, what it refused', async (t) => {
  const q = queuePath(t);
  const queue = new Pacchettino(q);
  const later = queue.sendData('later', { delay: 3_600_000 });
  const now = queue.sendData('now');
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const r = await w.rpc.sendRequest(PromoteRequest.type, { queue: q, ids: [later, now] });
  assert.equal(r.count, 1);
  assert.deepEqual(r.errors, [{ item: now, message: `Job ${now} is queued, not scheduled; only a scheduled job can be made due now`, code: 'BUSY' }]);
  assert.equal(queue.status(later), 'QUEUED');
});

test('read-only: the worker refuses every request that changes a queue, and still answers the others', async (t) => {
  const q = queuePath(t);
  const queue = new Pacchettino(q);
  const id = queue.sendData('x');
  fs.renameSync(path.join(q, 'queued', `raw-${id}`), path.join(q, 'failed', `raw-${id}`));
  const w = await WorkerConnection.start(t, settingsFor([q], { readOnly: true }));
  for (const [method, params] of [
    [RequeueRequest.method, { queue: q, ids: [id] }],
    [protocol.DeleteRequest.method, { queue: q, ids: [id] }],
    [protocol.CleanupRequest.method, { queue: q, states: ['FAILED'] }],
    [PromoteRequest.method, { queue: q, ids: [id] }],
    [protocol.EnqueueDataRequest.method, { queue: q, data: 'more' }],
  ] as const) {
    const reply = await w.raw(method, params);
    assert.equal(reply.error?.code, WorkerErrorCodes.ReadOnly, method);
    assert.match(reply.error.message, /read-only/);
  }
  assert.equal(queue.status(id), 'FAILED', 'nothing moved');
  assert.equal(queue.countAll(), 1, 'nothing sent');
  const found = await w.rpc.sendRequest(FindJobRequest.type, { text: id });
  assert.equal(found.matches[0].job.state, 'FAILED', 'looking still works');
});

test('discoverQueues finds the folders that are queues, bounded: not inside node_modules, .git or a queue', async (t) => {
  const root = scratchDir(t, 'ws');
  const real = path.join(root, 'jobs', 'inbox');
  new Pacchettino(real);
  new Pacchettino(path.join(root, 'node_modules', 'pkg', 'q'));
  new Pacchettino(path.join(root, '.git', 'q'));
  new Pacchettino(path.join(real, 'failed', 'nested')); // inside a queue: not walked
  new Pacchettino(path.join(root, 'a', 'b', 'c', 'd', 'e', 'deep')); // deeper than the walk goes
  fs.mkdirSync(path.join(root, 'notaqueue', 'queued'), { recursive: true }); // queued/ alone does not make a queue
  const w = await WorkerConnection.start(t, settingsFor([]));
  const r = await w.rpc.sendRequest(DiscoverQueuesRequest.type, { roots: [root] });
  assert.deepEqual(r.queues, [real]);
});

test('folderContents tells a missing folder, a file, a queue and a folder of other files apart, creating nothing', async (t) => {
  const root = scratchDir(t, 'contents');
  const queue = path.join(root, 'queue');
  new Pacchettino(queue);
  const mixed = path.join(root, 'mixed');
  fs.mkdirSync(path.join(mixed, 'queued'), { recursive: true });
  for (const n of ['b.txt', 'a.txt', 'c', 'd', 'e', 'f']) fs.writeFileSync(path.join(mixed, n), n);
  fs.writeFileSync(path.join(root, 'file'), 'x');
  const w = await WorkerConnection.start(t, settingsFor([]));
  const ask = (p: string) => w.rpc.sendRequest(FolderContentsRequest.type, { path: p });
  assert.deepEqual(await ask(path.join(root, 'missing', 'deeper')), { exists: false, isDirectory: false, isQueue: false, others: [], otherCount: 0 });
  assert.equal(fs.existsSync(path.join(root, 'missing')), false);
  assert.deepEqual(await ask(path.join(root, 'file')), { exists: true, isDirectory: false, isQueue: false, others: [], otherCount: 0 });
  assert.deepEqual(await ask(queue), { exists: true, isDirectory: true, isQueue: true, others: [], otherCount: 0 });
  // queued/ is a queue's own folder, not the user's; the names come sorted, the first five.
  assert.deepEqual(await ask(mixed), { exists: true, isDirectory: true, isQueue: false, others: ['a.txt', 'b.txt', 'c', 'd', 'e'], otherCount: 6 });
  await assert.rejects(ask('relative/path'), /`path` must be an absolute path/);
});
