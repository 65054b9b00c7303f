// requeue, requeueAll, cleanup (FORMAT.md "Later additions").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeepPolicy, Pacchettino, QueueError, newJobId, type FinishedState } from 'pacchettino';
import { entries, queuePath } from '../support/scratch';
import { isQueueError } from '../support/queueErrors';
import { uuidV7, writeProcessing } from '../support/originalLayout';
import { pidOfExitedProcess } from '../support/processes';

/** A queue holding jobs in success/, failed/ and interrupted/ (the last via a dead owner). */
async function finishedJobs(t: Parameters<typeof queuePath>[0]) {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const ok = q.sendData('ok');
  const bad = q.sendData('bad');
  q.onData = (job) => (job.data.toString() === 'ok' ? 'SUCCESS' : 'FAILED');
  assert.equal(await q.receive(), 2);
  const lostName = `raw-${uuidV7(Date.now())}`;
  writeProcessing(base, lostName, await pidOfExitedProcess(), 'lost');
  assert.deepEqual(q.recover().interrupted, [lostName]);
  return { base, q, ok, bad, lost: lostName.slice(4) };
}

test('requeue moves a failed job back to queued/ under its own name, with a fresh attempt count', async (t) => {
  const { base, q, bad } = await finishedJobs(t);
  assert.equal(q.details(bad)?.attempts, 1);
  q.requeue(bad);
  assert.deepEqual(entries(path.join(base, 'failed')), []);
  assert.equal(fs.readFileSync(path.join(base, 'queued', `raw-${bad}`), 'utf8'), 'bad');
  assert.equal(q.details(bad)?.attempts, 0);
  let attempt = 0;
  q.onData = (job) => ((attempt = job.attempt), 'SUCCESS');
  await q.receiveOne();
  assert.equal(attempt, 1);
  assert.equal(q.status(bad), 'SUCCESS');
});

test('requeue accepts the job name, works from interrupted/ and success/, refuses queued (BUSY) and unknown (NOT_FOUND) jobs', async (t) => {
  const { q, ok, lost } = await finishedJobs(t);
  q.requeue(`raw-${lost}`);
  assert.equal(q.status(lost), 'QUEUED');
  q.requeue(ok);
  assert.equal(q.status(ok), 'QUEUED');
  assert.throws(
    () => q.requeue(ok),
    (e: unknown) => e instanceof QueueError && e.code === 'BUSY' && /queued/.test(e.message),
  );
  assert.throws(
    () => q.requeue(uuidV7(Date.now())),
    (e: unknown) => e instanceof QueueError && e.code === 'NOT_FOUND',
  );
});

test('requeueAll() takes failed and interrupted jobs by default, not succeeded ones', async (t) => {
  const { q, ok, bad, lost } = await finishedJobs(t);
  assert.equal(q.requeueAll(), 2);
  assert.equal(q.status(bad), 'QUEUED');
  assert.equal(q.status(lost), 'QUEUED');
  assert.equal(q.status(ok), 'SUCCESS');
  assert.equal(q.requeueAll({ states: ['SUCCESS'] }), 1);
  assert.equal(q.countQueued(), 3);
  assert.equal(q.requeueAll(), 0);
});

test('cleanup({ states }) deletes finished jobs of those states only', async (t) => {
  const { base, q, ok, bad, lost } = await finishedJobs(t);
  assert.equal(q.cleanup({ states: ['FAILED'] }), 1);
  assert.equal(q.status(bad), 'UNKNOWN');
  assert.equal(q.status(ok), 'SUCCESS');
  assert.equal(q.cleanup(), 2); // default ALL
  assert.equal(q.status(lost), 'UNKNOWN');
  for (const d of ['success', 'failed', 'interrupted']) assert.deepEqual(entries(path.join(base, d)), []);
  assert.deepEqual(fs.readdirSync(path.join(base, '.pacchettino', 'meta')), [], 'their records go too');
});

test("cleanup({ olderThanMs }) goes by when a job finished (its entry's ctime), not by its mtime", async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const ids = [q.sendData('old'), q.sendData('new'), q.sendData('queued-old')];
  q.onData = () => 'SUCCESS';
  await q.receiveOne({ randomize: false });
  const finishedAt = fs.statSync(path.join(base, 'success', `raw-${ids[0]}`)).ctimeMs;
  while (Date.now() - finishedAt < 600) await new Promise((r) => setTimeout(r, 25));
  await q.receiveOne({ randomize: false });
  // mtimes say two hours ago; they do not count.
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  fs.utimesSync(path.join(base, 'success', `raw-${ids[1]}`), twoHoursAgo, twoHoursAgo);
  fs.utimesSync(path.join(base, 'queued', `raw-${ids[2]}`), twoHoursAgo, twoHoursAgo);
  assert.equal(q.cleanup({ olderThanMs: 300 }), 1);
  assert.equal(q.status(ids[0]), 'UNKNOWN');
  assert.equal(q.status(ids[1]), 'SUCCESS', 'finished after the cutoff, whatever its mtime says');
  assert.equal(q.status(ids[2]), 'QUEUED', 'queued jobs are never cleaned up');
});

test("the original's KeepPolicy numbers still work in place of state names; a bad name or number is BAD_OPTION naming the option, and makes no folder", async (t) => {
  const { q, ok, bad, lost } = await finishedJobs(t);
  assert.equal(q.requeueAll(KeepPolicy.SUCCESS), 1);
  assert.equal(q.status(ok), 'QUEUED');
  assert.equal(q.cleanup(KeepPolicy.FAILED, 0), 1);
  assert.equal(q.status(bad), 'UNKNOWN');
  assert.equal(q.status(lost), 'INTERRUPTED');
  // As a JavaScript caller might write them (TypeScript refuses them already).
  const notFinished = ['QUEUED'] as unknown as FinishedState[];
  const lowerCase = ['success'] as unknown as FinishedState[];
  assert.throws(() => q.requeueAll({ states: notFinished }), isQueueError('BAD_OPTION', /requeueAll: states .*"QUEUED"/));
  assert.throws(() => q.cleanup(8), isQueueError('BAD_OPTION', /cleanup: states .* not 8/));
  const refused = queuePath(t, 'refused');
  assert.throws(() => new Pacchettino(refused, { keep: lowerCase }), isQueueError('BAD_OPTION', /keep .*"success"/));
  assert.equal(fs.existsSync(refused), false, 'a refused option makes no folder');
  assert.equal(q.status(lost), 'INTERRUPTED', 'a refused call moves nothing');
});

test('remove refuses a running job with BUSY, an unknown one with NOT_FOUND', (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const running = `raw-${uuidV7(Date.now())}`;
  writeProcessing(base, running, process.pid, 'busy');
  assert.throws(() => q.remove(running), isQueueError('BUSY', /running/));
  assert.throws(() => q.remove(uuidV7(Date.now())), isQueueError('NOT_FOUND'));
  assert.deepEqual(entries(path.join(base, 'processing')), [`${running}.${process.pid}`], 'the running job is untouched');
});

test('cleanup removes what writers killed mid-write left behind once it is an hour old: tmp/ files and half-written records', (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const hourAgo = new Date(Date.now() - 61 * 60 * 1000);
  // A send's tmp/<uuid>, killed before its rename; only names our writers use in tmp/ are ours.
  const oldTmp = path.join(base, 'tmp', newJobId());
  const freshTmp = path.join(base, 'tmp', newJobId());
  const notOurs = path.join(base, 'tmp', 'staged-send');
  const oldRecord = path.join(base, '.pacchettino', 'meta', '.0193-dead.123.abcd.tmp');
  const freshRecord = path.join(base, '.pacchettino', 'meta', '.0193-live.456.ef01.tmp');
  const realRecord = path.join(base, '.pacchettino', 'meta', '0193-kept.json');
  fs.writeFileSync(path.join(base, 'failed', 'raw-0193-kept'), 'the job of realRecord');
  for (const f of [oldTmp, freshTmp, notOurs, oldRecord, freshRecord, realRecord]) fs.writeFileSync(f, 'x');
  for (const f of [oldTmp, notOurs, oldRecord, realRecord]) fs.utimesSync(f, hourAgo, hourAgo);

  q.cleanup(KeepPolicy.SUCCESS);
  assert.deepEqual(entries(path.join(base, 'tmp')), [path.basename(freshTmp), 'staged-send'].sort());
  assert.deepEqual(entries(path.join(base, '.pacchettino', 'meta')).sort(), ['.0193-live.456.ef01.tmp', '0193-kept.json']);
  assert.ok(fs.existsSync(freshRecord));
});
