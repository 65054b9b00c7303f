// sendMany and sendDataAsync: ids in order, every job queued exactly once with its bytes,
// and in durable mode the group commit strace shows: each payload fsynced before its
// rename, queued/ fsynced once for a batch (and once for many concurrent sends), after the
// last rename.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { entries, queuePath, scratchDir } from '../support/scratch';
import { isQueueError } from '../support/queueErrors';
import { exitOf } from '../support/processes';
import { readTrace, stracePrefix } from '../support/strace';
import { countLstats } from '../support/fsCalls';
import { bulkPayload, type BulkSenderArgs } from '../torture/support/bulkSender';

for (const durable of [false, true]) {
  test(`sendMany${durable ? ' (durable)' : ''} returns the ids in order, and each job is queued exactly once with its own bytes`, async (t) => {
    const q = new Pacchettino(queuePath(t), { durable });
    const items = Array.from({ length: 500 }, (_, k) => (k % 2 ? bulkPayload(k) : Buffer.from(bulkPayload(k))));
    const ids = await q.sendMany(items);
    assert.equal(ids.length, items.length);
    assert.equal(new Set(ids).size, ids.length, 'distinct ids');
    assert.deepEqual([...ids].sort(), ids, 'in send order (uuidv7 ids sort as they were made)');
    assert.deepEqual(entries(q.layout.queued), ids.map((id) => `raw-${id}`).sort());
    ids.forEach((id, k) => assert.equal(fs.readFileSync(path.join(q.layout.queued, `raw-${id}`), 'utf8'), bulkPayload(k)));
    assert.deepEqual(entries(q.layout.tmp), []);
    const seen: string[] = [];
    q.onData = (job) => (seen.push(job.id), 'SUCCESS');
    assert.equal(await q.receive({ randomize: false }), items.length);
    assert.deepEqual(seen, ids, 'handled once each, oldest first');
  });
}

test('concurrent sendDataAsync calls on a durable queue each queue their job once', async (t) => {
  const q = new Pacchettino(queuePath(t), { durable: true });
  const ids = await Promise.all(Array.from({ length: 200 }, (_, k) => q.sendDataAsync(bulkPayload(k))));
  assert.equal(new Set(ids).size, 200);
  ids.forEach((id, k) => assert.equal(fs.readFileSync(path.join(q.layout.queued, `raw-${id}`), 'utf8'), bulkPayload(k)));
  assert.equal(entries(q.layout.queued).length, 200);
  assert.deepEqual(entries(q.layout.tmp), []);
});

test('sendMany with a delay schedules every job; an empty batch is no call at all', async (t) => {
  const q = new Pacchettino(queuePath(t), { durable: true });
  assert.deepEqual(await q.sendMany([]), []);
  const ids = await q.sendMany(['a', 'b', 'c'], { delay: 60_000 });
  assert.equal(entries(q.layout.scheduled).length, 3);
  for (const id of ids) assert.equal(q.status(id), 'SCHEDULED');
  assert.deepEqual(entries(q.layout.queued), []);
});

test('sendMany refuses an item that is not data before writing anything, naming it', async (t) => {
  const q = new Pacchettino(queuePath(t));
  await assert.rejects(q.sendMany(['a', 42 as unknown as string, 'c']), isQueueError('BAD_OPTION', /item 1 is a number/));
  await assert.rejects(q.sendMany('abc' as unknown as string[]), isQueueError('BAD_OPTION'));
  await assert.rejects(q.sendMany(['a'], { delay: -1 }), isQueueError('BAD_OPTION'));
  assert.deepEqual(entries(q.layout.tmp), []);
  assert.deepEqual(entries(q.layout.queued), []);
});

for (const durable of [false, true]) {
  test(`sendFiles${durable ? ' (durable)' : ''}: a copy of each file queued once, in order; a missing file and a folder cost only themselves`, async (t) => {
    const q = new Pacchettino(queuePath(t), { durable });
    const dir = scratchDir(t, 'files');
    const files = Array.from({ length: 60 }, (_, k) => {
      const f = path.join(dir, `f${k}.txt`);
      fs.writeFileSync(f, bulkPayload(k));
      return f;
    });
    const input = [...files.slice(0, 30), path.join(dir, 'missing.txt'), dir, ...files.slice(30)];
    const sent = await q.sendFiles(input);
    assert.deepEqual(
      sent.map((r) => ('error' in r ? r.error.code : 'sent')),
      input.map((f) => (f.endsWith('missing.txt') ? 'FILE_NOT_FOUND' : f === dir ? 'NOT_A_FILE' : 'sent')),
    );
    const ids = sent.flatMap((r) => ('id' in r ? [r.id] : []));
    assert.deepEqual([...ids].sort(), ids, 'in order');
    ids.forEach((id, k) => assert.equal(fs.readFileSync(path.join(q.layout.queued, `fle-${id}-f${k}.txt`), 'utf8'), bulkPayload(k)));
    assert.equal(entries(q.layout.queued).length, 60);
    assert.deepEqual(entries(q.layout.tmp), []);
    for (const f of files) assert.ok(fs.existsSync(f), 'copied, not moved');
  });
}

test('sendFiles with move renames each file into the queue', async (t) => {
  const q = new Pacchettino(queuePath(t), { durable: true });
  const dir = scratchDir(t, 'files-move');
  const files = ['a', 'b'].map((n) => (fs.writeFileSync(path.join(dir, n), n), path.join(dir, n)));
  const sent = await q.sendFiles(files, { move: true });
  assert.ok(sent.every((r) => 'id' in r));
  assert.deepEqual(entries(dir), []);
  assert.equal(entries(q.layout.queued).length, 2);
});

test('sendFiles checks the queue folders (tmp/, queued/) once per call, not once per file', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const dir = scratchDir(t, 'files-checks');
  const files = Array.from({ length: 50 }, (_, k) => (fs.writeFileSync(path.join(dir, `f${k}`), String(k)), path.join(dir, `f${k}`)));
  const lstats = countLstats(q.layout.base);
  t.after(() => lstats.restore());
  const sent = await q.sendFiles(files);
  lstats.restore();
  assert.equal(sent.filter((r) => 'id' in r).length, 50);
  assert.equal(lstats.count, 2, `lstats of the queue's own folders for 50 files: ${lstats.count}`);
});

test('durable sendFiles with move: each file fsynced before its rename, then one fsync of queued/ and one of the folder the files came from', async (t) => {
  const dir = scratchDir(t, 'move-trace');
  const queue = path.join(dir, 'q');
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  const files = Array.from({ length: 40 }, (_, k) => (fs.writeFileSync(path.join(src, `f${k}`), String(k)), path.join(src, `f${k}`)));
  const { ids, calls } = await senderTraced(dir, { queue, durable: true, batches: 1, batch: 0, move: files });
  assert.equal(ids.length, 40);
  assert.deepEqual(entries(src), [], 'every file moved');
  const esc = (p: string) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = (re: string) => calls.findIndex((c) => new RegExp(re).test(c));
  const syncsOf = (folder: string) => calls.flatMap((c, i) => (new RegExp(`^fsync\\(\\d+<${esc(folder)}>\\) = 0$`).test(c) ? [i] : []));
  const renames = ids.map((id, k) => at(`^rename\\w*\\(.*"${esc(files[k])}".*"${esc(queue)}/queued/fle-${id}-f${k}"`));
  ids.forEach((id, k) => {
    const synced = at(`^fsync\\(\\d+<${esc(files[k])}>\\) = 0$`);
    assert.ok(synced >= 0 && renames[k] > synced, `f${k}: fsync ${synced}, rename ${renames[k]}`);
  });
  const lastRename = Math.max(...renames);
  for (const folder of [path.join(queue, 'queued'), src]) {
    const syncs = syncsOf(folder);
    assert.equal(syncs.length, 1, `fsyncs of ${folder} for 40 moves: ${syncs.length}`);
    assert.ok(syncs[0] > lastRename, `${folder} synced after the last rename`);
  }
});

test('sendFiles with move from another file system (/dev/shm): each file copied in, the original removed once it is queued', async (t) => {
  const q = new Pacchettino(queuePath(t), { durable: true });
  const dir = fs.mkdtempSync('/dev/shm/pacchettino-move-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files = Array.from({ length: 5 }, (_, k) => (fs.writeFileSync(path.join(dir, `f${k}`), `payload ${k}`), path.join(dir, `f${k}`)));
  const sent = await q.sendFiles([...files, path.join(dir, 'missing')], { move: true });
  assert.deepEqual(
    sent.map((r) => ('id' in r ? 'sent' : r.error.code)),
    ['sent', 'sent', 'sent', 'sent', 'sent', 'FILE_NOT_FOUND'],
  );
  assert.deepEqual(entries(dir), [], 'the originals removed');
  sent.forEach((r, k) => {
    if ('id' in r) assert.equal(fs.readFileSync(path.join(q.layout.queued, `fle-${r.id}-f${k}`), 'utf8'), `payload ${k}`);
  });
  assert.deepEqual(entries(q.layout.tmp), []);
});

/** The bulk sender run under strace, its trace in `dir`; returns its printed ids and its traced calls under `dir`. */
async function senderTraced(dir: string, a: BulkSenderArgs): Promise<{ ids: string[]; calls: string[] }> {
  const trace = path.join(dir, 'trace.txt');
  const sender = path.join(__dirname, '..', 'torture', 'support', 'bulkSender.js');
  const child = spawn(stracePrefix(trace)[0], [...stracePrefix(trace).slice(1), process.execPath, sender, JSON.stringify(a)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  assert.deepEqual(await exitOf(child), { code: 0, signal: null });
  return { ids: out.split('\n').filter(Boolean), calls: readTrace(trace, dir).map((c) => `${c.name}(${c.args}) = ${c.result}`) };
}

/** A bulk sender of data jobs under strace; returns its printed ids and its traced calls under the queue. */
async function traced(t: Parameters<typeof scratchDir>[0], args: Omit<BulkSenderArgs, 'queue' | 'durable'>) {
  const dir = scratchDir(t, 'bulk-trace');
  const queue = path.join(dir, 'q');
  const { ids, calls } = await senderTraced(dir, { queue, durable: true, ...args });
  const esc = queue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = (re: string) => calls.findIndex((c) => new RegExp(re).test(c));
  const queuedSyncs = calls.flatMap((c, i) => (new RegExp(`^fsync\\(\\d+<${esc}/queued>\\) = 0$`).test(c) ? [i] : []));
  const payloadSynced = (id: string) => at(`^fsync\\(\\d+<${esc}/tmp/${id}>\\) = 0$`);
  const renamed = (id: string) => at(`^rename\\w*\\(.*"${esc}/tmp/${id}".*"${esc}/queued/raw-${id}"`);
  return { ids, calls, queuedSyncs, payloadSynced, renamed };
}

test('durable sendMany: every payload fsynced before its rename, then one fsync of queued/ for the batch after the last rename', async (t) => {
  const { ids, calls, queuedSyncs, payloadSynced, renamed } = await traced(t, { batches: 1, batch: 150 });
  assert.equal(ids.length, 150);
  for (const id of ids) assert.ok(payloadSynced(id) >= 0 && renamed(id) > payloadSynced(id), `${id}: fsync ${payloadSynced(id)}, rename ${renamed(id)}`);
  const lastRename = Math.max(...ids.map(renamed));
  assert.deepEqual(
    queuedSyncs.filter((i) => i > ids.map(renamed)[0]),
    queuedSyncs.filter((i) => i > lastRename),
    'no fsync of queued/ in the middle of the batch',
  );
  assert.equal(queuedSyncs.length, 1, `one fsync of queued/ for 150 jobs:\n${calls.slice(-20).join('\n')}`);
});

test('durable sendDataAsync: 100 concurrent sends share their fsyncs of queued/ (group commit), each after its rename', async (t) => {
  const { ids, queuedSyncs, payloadSynced, renamed } = await traced(t, { batches: 1, batch: 100, concurrent: true });
  assert.equal(ids.length, 100);
  for (const id of ids) {
    assert.ok(renamed(id) > payloadSynced(id) && payloadSynced(id) >= 0);
    assert.ok(
      queuedSyncs.some((i) => i > renamed(id)),
      `${id}: an fsync of queued/ after its rename`,
    );
  }
  assert.ok(queuedSyncs.length < 50, `${queuedSyncs.length} fsyncs of queued/ for 100 concurrent sends`);
});

test('durable receive({ concurrency: 8 }): each claim on disk before its handler starts, each job filed once its rename is on disk, the fsyncs shared', async (t) => {
  const dir = scratchDir(t, 'drain-trace');
  const queue = path.join(dir, 'q');
  const trace = path.join(dir, 'trace.txt');
  const drain = path.join(__dirname, '..', 'torture', 'support', 'concurrentDrain.js');
  const jobs = 40;
  const child = spawn(stracePrefix(trace)[0], [...stracePrefix(trace).slice(1), process.execPath, drain, JSON.stringify({ queue, jobs, concurrency: 8 })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  assert.deepEqual(await exitOf(child), { code: 0, signal: null });
  assert.equal(out, `${jobs}\n`);
  const calls = readTrace(trace, queue).map((c) => `${c.name}(${c.args}) = ${c.result}`);
  const esc = queue.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const fsyncs = (folder: string) => calls.flatMap((c, i) => (new RegExp(`^fsync\\(\\d+<${esc}/${folder}>\\) = 0$`).test(c) ? [i] : []));
  const at = (re: string, from = 0) => calls.findIndex((c, i) => i >= from && new RegExp(re).test(c));
  const ids = entries(path.join(queue, 'success')).map((n) => n.slice(4));
  assert.equal(ids.length, jobs);
  for (const id of ids) {
    // A data job's claim is the file form (processingEntry.ts): renamed to processing/raw-<id>.<owner> and out again.
    const claimed = at(`^rename\\w*\\(.*"${esc}/queued/raw-${id}".*"${esc}/processing/raw-${id}\\.\\d+"`);
    const started = at(`${esc}/tmp/started-${id}"`);
    const claimSynced = ['queued', 'processing'].map((f) => fsyncs(f).find((i) => i > claimed) ?? -1);
    assert.ok(
      claimed >= 0 && claimSynced.every((i) => i > claimed && i < started),
      `${id}: claim ${claimed}, fsyncs ${claimSynced.join(' ')}, handler ${started}`,
    );
    const filed = at(`^rename\\w*\\(.*"${esc}/processing/raw-${id}\\.\\d+".*"${esc}/success/raw-${id}"`);
    const filedSynced = ['success', 'processing'].map((f) => fsyncs(f).find((i) => i > filed) ?? -1);
    assert.ok(filed > started && filedSynced.every((i) => i > filed), `${id}: filed ${filed}, success/ and processing/ fsyncs ${filedSynced.join(' ')}`);
  }
  t.diagnostic(`fsyncs for ${jobs} jobs: queued/ ${fsyncs('queued').length}, processing/ ${fsyncs('processing').length}, success/ ${fsyncs('success').length}`);
  for (const folder of ['processing', 'success'])
    assert.ok(fsyncs(folder).length < (folder === 'success' ? jobs : 2 * jobs), `${fsyncs(folder).length} fsyncs of ${folder}/ for ${jobs} jobs: shared`);
});
