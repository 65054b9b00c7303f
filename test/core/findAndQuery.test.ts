// Finding one job from what a user types or pastes, a state filtered and sorted, and the
// record's history of attempts (including records written before history existed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, QueueError } from 'pacchettino';
import { queuePath, scratchDir } from '../support/scratch';
import { countReaddirs } from '../support/fsCalls';
import { pidOfExitedProcess } from '../support/processes';
import { uuidV7, writeProcessing, writeScheduled } from '../support/originalLayout';
import { isQueueError } from '../support/queueErrors';

test('details() takes a full id, an 8+ character prefix, a job name, a file name or a pasted path, in every state', (t) => {
  const base = queuePath(t, 'find');
  const q = new Pacchettino(base);
  const src = path.join(scratchDir(t, 'src'), 'report.csv');
  fs.writeFileSync(src, 'a,b\n');
  const file = q.sendFile(src);
  const data = q.sendData('x');
  const later = q.sendData('later', { delay: 3_600_000 });
  const running = uuidV7(Date.now() + 5);
  writeProcessing(base, `raw-${running}`, process.pid, 'running');

  for (const [input, id, state] of [
    [file, file, 'QUEUED'],
    // 18 characters reach the per-millisecond counter: the three jobs above may share their millisecond.
    [file.slice(0, 18), file, 'QUEUED'],
    [`fle-${file}-report.csv`, file, 'QUEUED'],
    ['report.csv', file, 'QUEUED'],
    [path.join(base, 'queued', `fle-${file}-report.csv`), file, 'QUEUED'],
    [` ${data.toUpperCase()} `, data, 'QUEUED'],
    [later, later, 'SCHEDULED'],
    [fs.readdirSync(path.join(base, 'scheduled')).map((e) => path.join(base, 'scheduled', e))[0], later, 'SCHEDULED'],
    [running.slice(0, 20), running, 'PROCESSING'],
    [path.join(base, 'processing', `raw-${running}.${process.pid}`, 'raw'), running, 'PROCESSING'],
    [path.join(base, 'processing', `raw-${running}.${process.pid}`), running, 'PROCESSING'],
  ] as const) {
    const d = q.details(input);
    assert.equal(d?.id, id, `found by ${input}`);
    assert.equal(d?.state, state, `state of ${input}`);
  }
  assert.equal(q.details(uuidV7(1)), undefined, 'an id of no job is no job');
  assert.equal(q.details('nosuch.csv'), undefined);
  assert.throws(() => q.details(file.slice(0, 7)), isQueueError('BAD_NAME', /at least 8 characters/));
  assert.throws(() => q.details('/tmp/not-a-job'), isQueueError('BAD_NAME', /not the path of a job/));
  assert.equal(q.status(file.slice(0, 4)), 'UNKNOWN', 'status() never throws');
});

test('a prefix (or a file name) that names several jobs is refused, naming them, and changes nothing', (t) => {
  const base = queuePath(t, 'find');
  const q = new Pacchettino(base);
  // Two ids in the same millisecond share their first 13 characters.
  const ms = Date.now();
  const a = uuidV7(ms, 1);
  const b = uuidV7(ms, 2);
  fs.writeFileSync(path.join(base, 'failed', `raw-${a}`), 'a');
  fs.writeFileSync(path.join(base, 'failed', `raw-${b}`), 'b');
  const prefix = a.slice(0, 13);
  assert.equal(b.slice(0, 13), prefix);
  assert.throws(
    () => q.requeue(prefix),
    (err: unknown) => err instanceof QueueError && err.code === 'AMBIGUOUS' && err.message.includes(a) && err.message.includes(b),
  );
  assert.equal(q.countFailed(), 2, 'nothing was requeued');
  assert.throws(() => q.remove(prefix), isQueueError('AMBIGUOUS'));
  assert.equal(q.details(a.slice(0, 20))?.id, a, 'a longer prefix picks one');
  assert.equal(q.status(prefix), 'UNKNOWN');
});

test('a full id or job name is found without listing the folders where a data job can be stat-ed', (t) => {
  const base = queuePath(t, 'find');
  const q = new Pacchettino(base);
  const ids = Array.from({ length: 50 }, (_, i) => q.sendData(String(i)));
  const listings = ['queued', 'success', 'failed', 'interrupted'].map((d) => countReaddirs(path.join(base, d)));
  t.after(() => listings.forEach((l) => l.restore()));
  for (const id of ids) assert.equal(q.details(`raw-${id}`)?.state, 'QUEUED');
  for (const l of listings) l.restore();
  assert.deepEqual(
    listings.map((l) => l.count),
    [0, 0, 0, 0],
  );
});

test('list() filters by name, reason and time, sorts by name, size and finish time, and finds the page around a job', async (t) => {
  const base = queuePath(t, 'query');
  const q = new Pacchettino(base);
  const dir = scratchDir(t, 'src');
  const sent: Record<string, string> = {};
  for (const [name, bytes] of [
    ['b.csv', 3],
    ['a.txt', 1],
    ['c.csv', 2],
  ] as const) {
    fs.writeFileSync(path.join(dir, name), 'x'.repeat(bytes));
    sent[name] = q.sendFile(path.join(dir, name));
  }
  q.onFile = (job) => ({ result: 'FAILED', reason: job.originalName === 'a.txt' ? 'bad header' : 'Timeout after 30 s' });
  // Handled oldest first: b.csv, a.txt, c.csv.
  assert.equal(await q.receive({ randomize: false }), 3);
  // Then b.csv once more, until it has finished a file-time tick later than c.csv (bounded).
  const ctime = (name: string) => fs.statSync(path.join(base, 'failed', `fle-${sent[name]}-${name}`)).ctimeMs;
  for (let round = 0; ctime('b.csv') <= ctime('c.csv'); round++) {
    assert.ok(round < 1000, 'b.csv never finished in a later tick');
    q.requeue(sent['b.csv']);
    assert.equal(await q.receive(), 1);
  }

  const names = (page: ReturnType<Pacchettino['list']>) => page.jobs.map((j) => j.originalName);
  assert.deepEqual(names(q.list('FAILED')), ['b.csv', 'a.txt', 'c.csv'], 'default: id (send) order');
  assert.deepEqual(names(q.list('FAILED', { sort: 'finished', order: 'desc' })).slice(0, 1), ['b.csv'], 'the job that failed last comes first');
  assert.deepEqual(names(q.list('FAILED', { sort: 'name' })), ['a.txt', 'b.csv', 'c.csv']);
  assert.deepEqual(names(q.list('FAILED', { sort: 'size', order: 'desc' })), ['b.csv', 'c.csv', 'a.txt']);

  const csv = q.list('FAILED', { filter: { nameContains: 'CSV' } });
  assert.deepEqual(names(csv), ['b.csv', 'c.csv']);
  assert.equal(csv.total, 2);
  assert.equal(csv.unfiltered, 3);
  assert.deepEqual(names(q.list('FAILED', { filter: { reasonContains: 'timeout' } })), ['b.csv', 'c.csv']);
  assert.deepEqual(names(q.list('FAILED', { filter: { reasonContains: 'header' } })), ['a.txt']);
  const sentAt = (name: string) => q.details(sent[name])!.sentAt!;
  assert.equal(q.list('FAILED', { filter: { sentAfter: sentAt('b.csv'), sentBefore: sentAt('c.csv') + 1 } }).total, 3);
  assert.equal(q.list('FAILED', { filter: { sentAfter: sentAt('c.csv') + 1 } }).total, 0);
  assert.equal(q.list('FAILED', { filter: { sentBefore: sentAt('b.csv') } }).total, 0);
  assert.deepEqual(names(q.list('FAILED', { filter: { finishedBefore: Date.now() + 1000, finishedAfter: Date.now() - 60_000 } })), ['b.csv', 'a.txt', 'c.csv']);
  assert.deepEqual(names(q.list('FAILED', { filter: { finishedAfter: ctime('b.csv') } })), ['b.csv']);
  assert.deepEqual(q.list('QUEUED', { filter: { finishedAfter: 0 } }).total, 0, 'an unfinished job never matches a finish time');

  const around = q.list('FAILED', { sort: 'name', limit: 2, around: sent['c.csv'] });
  assert.equal(around.index, 2);
  assert.equal(around.offset, 2);
  assert.deepEqual(names(around), ['c.csv']);
  assert.equal(q.list('FAILED', { filter: { nameContains: 'csv' }, around: sent['a.txt'] }).index, -1, 'filtered out');
  assert.deepEqual(q.matchingIds('FAILED', { filter: { nameContains: 'csv' }, sort: 'name', order: 'desc' }), [sent['c.csv'], sent['b.csv']]);
});

test('a record keeps every attempt (start, end, result, reason, exit code, output), bounded, and reads records of older versions', async (t) => {
  const base = queuePath(t, 'history');
  const q = new Pacchettino(base, { maxAttempts: 3 });
  const id = q.sendData('flaky');
  let n = 0;
  q.onData = () => {
    n++;
    return n < 3 ? { result: 'RETRY', reason: `try ${n} timed out`, exitCode: 75, output: `out ${n}\n` } : { result: 'FAILED', reason: 'gave up', exitCode: 2 };
  };
  const before = Date.now();
  assert.equal(await q.receive(), 3);
  const history = q.details(id)!.record!.history!;
  assert.deepEqual(
    history.map((h) => [h.attempt, h.result, h.reason, h.exitCode, h.output]),
    [
      [1, 'RETRY', 'try 1 timed out', 75, 'out 1\n'],
      [2, 'RETRY', 'try 2 timed out', 75, 'out 2\n'],
      [3, 'FAILED', 'gave up', 2, undefined],
    ],
  );
  for (const h of history) {
    assert.ok(h.startedAt! >= before && h.startedAt! <= h.endedAt, 'each run has its start before its end');
  }

  // An interrupted run: recovery records it, with the claim's time as its start.
  const lost = uuidV7(Date.now());
  writeProcessing(base, `raw-${lost}`, await pidOfExitedProcess(), 'x');
  q.recover();
  const [run] = q.details(lost)!.record!.history!;
  assert.equal(run.result, 'INTERRUPTED');
  assert.ok(run.startedAt !== undefined && run.startedAt <= run.endedAt);

  // A record as the previous version wrote it: no history, the last run in its top-level fields.
  const old = uuidV7(Date.now() + 10);
  fs.writeFileSync(path.join(base, 'failed', `raw-${old}`), 'old');
  fs.writeFileSync(
    path.join(base, '.pacchettino', 'meta', `${old}.json`),
    JSON.stringify({ attempts: 4, lastResult: 'FAILED', reason: 'disk full', exitCode: 1, output: 'no space', updatedAt: 1700000000000 }),
  );
  const d = q.details(old)!;
  assert.equal(d.attempts, 4);
  assert.deepEqual(d.record!.history, [
    { attempt: 4, endedAt: 1700000000000, result: 'FAILED', reason: 'disk full', exitCode: 1, signal: undefined, output: 'no space' },
  ]);

  // Bounded: a job retried 30 times keeps the last 20 runs, and counts all 30.
  const many = q.sendData('again and again');
  const q2 = new Pacchettino(base);
  q2.onData = () => ({ result: 'RETRY', output: 'y'.repeat(100_000) });
  for (let i = 0; i < 30; i++) assert.equal(await q2.receiveOne({ timeout: 0, skip: (name) => !name.includes(many) }), true);
  const rec = q2.details(many)!.record!;
  assert.equal(rec.attempts, 30);
  assert.equal(rec.history!.length, 20);
  assert.equal(rec.history![0].attempt, 11);
  assert.ok(
    rec.history!.every((h) => h.output!.length <= 4 * 1024 + 1),
    'older runs keep a short tail of output',
  );
  assert.ok(fs.statSync(path.join(base, '.pacchettino', 'meta', `${many}.json`)).size < 200_000);
  await q2.close();
  await q.close();
});

test('promote() makes a scheduled job due now and keeps its attempts; anything else is refused', async (t) => {
  const base = queuePath(t, 'promote');
  const q = new Pacchettino(base, { retryDelay: 3_600_000 });
  const id = q.sendData('retry me');
  q.onData = () => 'RETRY';
  assert.equal(await q.receive(), 1);
  assert.equal(q.status(id), 'SCHEDULED');
  q.promote(id.slice(0, 18));
  assert.equal(q.status(id), 'QUEUED');
  assert.equal(q.details(id)?.attempts, 1, 'the attempt is still counted');
  assert.throws(() => q.promote(id), isQueueError('BUSY', /not scheduled/));
  const hand = uuidV7(Date.now());
  writeScheduled(base, Date.now() + 1e9, `raw-${hand}`, 'h');
  q.promote(`raw-${hand}`);
  assert.equal(q.status(hand), 'QUEUED');
});

test('batch(): requeueing 500 file jobs of a 5,000-job folder lists it once, not once per job', (t) => {
  const base = queuePath(t, 'batch');
  const q = new Pacchettino(base);
  const ids: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const id = uuidV7(Date.now() - 10_000 + i);
    fs.writeFileSync(path.join(base, 'failed', `fle-${id}-f${i}.txt`), 'x');
    ids.push(id);
  }
  const listings = countReaddirs(path.join(base, 'failed'));
  t.after(() => listings.restore());
  q.batch(() => {
    for (const id of ids.slice(0, 500)) q.requeue(id);
  });
  listings.restore();
  assert.equal(q.countQueued(), 500);
  assert.equal(q.countFailed(), 4500);
  assert.ok(listings.count <= 1, `failed/ was listed ${listings.count} times`);
  // A job that moved on under a held listing fails its own call, and only it.
  assert.throws(() => q.batch(() => q.requeue(ids[0])), isQueueError('BUSY'));
});
