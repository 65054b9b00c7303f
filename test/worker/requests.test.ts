import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Pacchettino, newJobId } from 'pacchettino';
import type { WireCounts } from '@pacchettino/shared';
import { pidOfExitedProcess } from '../support/processes';
import { entries, queuePath, scratchDir } from '../support/scratch';
import * as protocol from '@pacchettino/shared';
import { WorkerConnection, settingsFor, summaryOf } from '../support/workerConnection';

const {
  CleanupRequest,
  ConfigureRequest,
  DeleteRequest,
  EnqueueDataRequest,
  EnqueueFilesRequest,
  JobRequest,
  JobsRequest,
  QueuesRequest,
  RecoverRequest,
  RequeueRequest,
} = protocol;

const ZERO: WireCounts = { SCHEDULED: 0, QUEUED: 0, PROCESSING: 0, SUCCESS: 0, FAILED: 0, INTERRUPTED: 0 };

/** A job filed under failed/ with the details a command handler leaves (exit code, output). Takes the oldest queued job. */
async function failOne(q: string, data: string): Promise<string> {
  const queue = new Pacchettino(q);
  const id = queue.sendData(data);
  queue.onData = () => ({ result: 'FAILED', reason: 'exit code 3', exitCode: 3, signal: null, output: 'boom\n' });
  assert.equal(await queue.receiveOne({ randomize: false }), true);
  await queue.close();
  return id;
}

/** A processing dir whose owner pid is dead, as a consumer killed mid-job leaves it. */
async function strandJob(q: string): Promise<string> {
  const id = newJobId();
  const dir = path.join(q, 'processing', `raw-${id}.${await pidOfExitedProcess()}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'raw'), 'stranded');
  return id;
}

test('initializationOptions open (and create) the queue; queues answers counts per state', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  assert.ok(fs.statSync(path.join(q, 'queued')).isDirectory());
  const summaries = await w.rpc.sendRequest(QueuesRequest.type);
  assert.deepEqual(summaries, [{ path: q, counts: ZERO, watching: true, consumers: 0 }]);
});

test('configure replaces the queue list and answers every summary', async (t) => {
  const a = queuePath(t, 'a');
  const b = queuePath(t, 'b');
  const w = await WorkerConnection.start(t);
  assert.deepEqual(await w.rpc.sendRequest(QueuesRequest.type), []);
  const both = await w.rpc.sendRequest(ConfigureRequest.type, settingsFor([a, b, `${a}/`]));
  assert.deepEqual(
    both.map((s) => s.path),
    [a, b],
    'a path given twice (with a trailing slash) is one queue',
  );
  const onlyB = await w.rpc.sendRequest(ConfigureRequest.type, settingsFor([b]));
  assert.deepEqual(
    onlyB.map((s) => s.path),
    [b],
  );
  await assert.rejects(w.rpc.sendRequest(JobsRequest.type, { queue: a, state: 'QUEUED' }), { code: -32001 }, 'a queue no longer configured is unknown');
});

test('enqueueData and enqueueFiles land on disk; per-file failures go in errors', async (t) => {
  const q = queuePath(t);
  const src = scratchDir(t, 'src');
  const w = await WorkerConnection.start(t, settingsFor([q]));

  const data = await w.rpc.sendRequest(EnqueueDataRequest.type, { queue: q, data: 'héllo' });
  assert.deepEqual(data.errors, []);
  assert.equal(fs.readFileSync(path.join(q, 'queued', `raw-${data.ids[0]}`), 'utf8'), 'héllo');

  const copy = path.join(src, 'report-1.csv');
  const moved = path.join(src, 'moved.txt');
  const missing = path.join(src, 'missing.txt');
  fs.writeFileSync(copy, 'a,b\n');
  fs.writeFileSync(moved, 'moved');
  const files = await w.rpc.sendRequest(EnqueueFilesRequest.type, { queue: q, files: [copy, missing, src] });
  assert.equal(files.ids.length, 1);
  assert.deepEqual(
    files.errors.map((e) => e.item),
    [missing, src],
  );
  assert.match(files.errors[0].message, /^File not found/);
  assert.match(files.errors[1].message, /Not a regular file/);
  assert.equal(fs.readFileSync(path.join(q, 'queued', `fle-${files.ids[0]}-report-1.csv`), 'utf8'), 'a,b\n');
  assert.ok(fs.existsSync(copy), 'sent as a copy by default');

  const mv = await w.rpc.sendRequest(EnqueueFilesRequest.type, { queue: q, files: [moved], move: true });
  assert.equal(fs.existsSync(moved), false, 'move: the source is gone');
  assert.equal(fs.readFileSync(path.join(q, 'queued', `fle-${mv.ids[0]}-moved.txt`), 'utf8'), 'moved');

  const later = await w.rpc.sendRequest(EnqueueDataRequest.type, { queue: q, data: 'later', delayMs: 3_600_000 });
  const scheduled = entries(path.join(q, 'scheduled'));
  assert.equal(scheduled.length, 1);
  assert.match(scheduled[0], new RegExp(`^\\d+-raw-${later.ids[0]}$`));

  const [summary] = await w.rpc.sendRequest(QueuesRequest.type);
  assert.deepEqual(summary.counts, { ...ZERO, QUEUED: 3, SCHEDULED: 1 });
});

test('jobs answers pages in both orders; job answers details with the failure record', async (t) => {
  const q = queuePath(t);
  const failedId = await failOne(q, 'bad'); // first: failOne takes the oldest queued job
  const queue = new Pacchettino(q);
  const ids = Array.from({ length: 5 }, (_, i) => queue.sendData(`job ${i}`));
  const w = await WorkerConnection.start(t, settingsFor([q]));

  const first = await w.rpc.sendRequest(JobsRequest.type, { queue: q, state: 'QUEUED', limit: 2 });
  assert.equal(first.total, 5);
  assert.equal(first.offset, 0);
  assert.deepEqual(
    first.jobs.map((j) => j.id),
    ids.slice(0, 2),
    'oldest first',
  );
  assert.equal(first.jobs[0].kind, 'data');
  assert.equal(first.jobs[0].state, 'QUEUED');
  assert.equal(first.jobs[0].size, 'job 0'.length);
  const last = await w.rpc.sendRequest(JobsRequest.type, { queue: q, state: 'QUEUED', offset: 4, limit: 2 });
  assert.deepEqual(
    last.jobs.map((j) => j.id),
    [ids[4]],
  );
  const newest = await w.rpc.sendRequest(JobsRequest.type, { queue: q, state: 'QUEUED', limit: 2, order: 'desc' });
  assert.deepEqual(
    newest.jobs.map((j) => j.id),
    [ids[4], ids[3]],
  );

  const failed = await w.rpc.sendRequest(JobsRequest.type, { queue: q, state: 'FAILED' });
  assert.deepEqual(
    failed.jobs.map((j) => [j.id, j.reason, j.attempts]),
    [[failedId, 'exit code 3', 1]],
  );
  const details = await w.rpc.sendRequest(JobRequest.type, { queue: q, id: failedId });
  assert.ok(details);
  assert.equal(details.state, 'FAILED');
  assert.equal(details.record?.exitCode, 3);
  assert.equal(details.record?.output, 'boom\n');
  assert.equal(details.record?.lastResult, 'FAILED');
  const byName = await w.rpc.sendRequest(JobRequest.type, { queue: q, id: `raw-${ids[2]}` });
  assert.equal(byName?.id, ids[2], 'a job name works as well as an id');
  assert.equal(await w.rpc.sendRequest(JobRequest.type, { queue: q, id: newJobId() }), null);
});

test('requeue by ids and by states; what cannot be requeued is listed in errors', async (t) => {
  const q = queuePath(t);
  const f1 = await failOne(q, 'one');
  const f2 = await failOne(q, 'two');
  const f3 = await failOne(q, 'three');
  const queued = new Pacchettino(q).sendData('waiting');
  const w = await WorkerConnection.start(t, settingsFor([q]));

  const unknown = newJobId();
  const byId = await w.rpc.sendRequest(RequeueRequest.type, { queue: q, ids: [f1, queued, unknown] });
  assert.equal(byId.count, 1);
  assert.deepEqual(
    byId.errors.map((e) => e.item),
    [queued, unknown],
  );
  assert.match(byId.errors[0].message, /queued/);
  assert.match(byId.errors[1].message, /No job/);
  assert.ok(fs.existsSync(path.join(q, 'queued', `raw-${f1}`)));

  const byState = await w.rpc.sendRequest(RequeueRequest.type, { queue: q, states: ['FAILED', 'PROCESSING'] });
  assert.equal(byState.count, 2);
  assert.deepEqual(
    byState.errors.map((e) => e.item),
    ['PROCESSING'],
  );
  assert.deepEqual(entries(path.join(q, 'failed')), []);
  assert.deepEqual(entries(path.join(q, 'queued')).sort(), [f1, f2, f3, queued].map((id) => `raw-${id}`).sort());
});

test('delete removes jobs that are not running; cleanup removes finished jobs by age', async (t) => {
  const q = queuePath(t);
  const f1 = await failOne(q, 'old failure');
  const queue = new Pacchettino(q);
  const keep = queue.sendData('keep');
  const gone = queue.sendData('gone');
  const w = await WorkerConnection.start(t, settingsFor([q]));

  const del = await w.rpc.sendRequest(DeleteRequest.type, { queue: q, ids: [gone, 'raw-nonexistent'] });
  assert.equal(del.count, 1);
  assert.deepEqual(
    del.errors.map((e) => e.item),
    ['raw-nonexistent'],
  );
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${keep}`]);

  const young = await w.rpc.sendRequest(CleanupRequest.type, { queue: q, states: ['FAILED'], olderThanMs: 3_600_000 });
  assert.equal(young.count, 0, 'a failure of seconds ago is younger than an hour');
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${f1}`]);

  const all = await w.rpc.sendRequest(CleanupRequest.type, { queue: q, states: ['FAILED', 'QUEUED'] });
  assert.equal(all.count, 1);
  assert.deepEqual(
    all.errors.map((e) => e.item),
    ['QUEUED'],
  );
  assert.deepEqual(entries(path.join(q, 'failed')), []);
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${keep}`], 'queued jobs are never cleaned up');
});

test('the worker sweeps at start, and recover interrupts a job whose consumer died', async (t) => {
  const q = queuePath(t);
  new Pacchettino(q);
  const atStart = await strandJob(q);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  assert.deepEqual(entries(path.join(q, 'interrupted')), [`raw-${atStart}`], 'swept when the worker opened the queue');

  const later = await strandJob(q);
  assert.deepEqual(await w.rpc.sendRequest(RecoverRequest.type, { queue: q }), { interrupted: 1 });
  assert.deepEqual(entries(path.join(q, 'processing')), []);
  assert.equal(fs.readFileSync(path.join(q, 'interrupted', `raw-${later}`), 'utf8'), 'stranded');
  const details = await w.rpc.sendRequest(JobRequest.type, { queue: q, id: later });
  assert.equal(details?.state, 'INTERRUPTED');
  assert.match(details?.reason ?? '', /died/);

  await strandJob(q);
  assert.deepEqual(await w.rpc.sendRequest(RecoverRequest.type, {}), { interrupted: 1 }, 'no queue: every configured queue');
});

test('a scheduled job is promoted when due, with no consumer running', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const since = w.changes.length;
  const { ids } = await w.rpc.sendRequest(EnqueueDataRequest.type, { queue: q, data: 'soon', delayMs: 300 });
  const sentAt = Date.now();
  const promoted = await w.waitForSummary(q, (s) => s.counts?.QUEUED === 1, since);
  assert.equal(promoted.counts?.SCHEDULED, 0);
  assert.ok(Date.now() - sentAt >= 250, 'not before it was due');
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${ids[0]}`]);
  assert.ok(summaryOf(await w.rpc.sendRequest(QueuesRequest.type), q)?.counts?.QUEUED === 1);
});
