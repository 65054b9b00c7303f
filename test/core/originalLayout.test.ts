// Queue folders laid out by hand exactly as the D original writes them, consumed and
// recovered by this project: the on-disk contract read from the other side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, type Job } from 'pacchettino';
import { entries, scratchDir } from '../support/scratch';
import { holdFlock, isLocked } from '../support/flock';
import { pidOfExitedProcess, startIdleProcess } from '../support/processes';
import { QueueProcess } from '../support/queueProcess';
import { waitForEntry } from '../support/waitFor';
import { readTrace, stracePrefix } from '../support/strace';
import {
  layOutQueue,
  originalToken,
  uuidV7,
  writeOwnerFile,
  writeProcessing,
  writeQueuedData,
  writeQueuedFile,
  writeScheduled,
} from '../support/originalLayout';

/** The original's test for a lock-file token: 10 chars of [0-9a-z], the first a letter. */
const ORIGINAL_TOKEN = /^[a-z][0-9a-z]{9}$/;

test('jobs, schedules and claims written by the original are consumed and recovered', async (t) => {
  const base = path.join(scratchDir(t, 'original'), 'q');
  layOutQueue(base);
  const now = Date.now();
  const ids = new Map<number, string>();
  const id = (k: number) => ids.get(k) ?? ids.set(k, uuidV7(now - 1000 + k, k)).get(k)!;
  const dead = await pidOfExitedProcess();
  const live = await startIdleProcess(t); // started before its dir below: a live owner

  const data = writeQueuedData(base, id(1), 'data-1');
  const file = writeQueuedFile(base, id(2), 'my-big-file.v2.tar.gz', 'file-2');
  const dueSched = writeScheduled(base, now - 500, `raw-${id(3)}`, 'sched-3');
  const laterSched = writeScheduled(base, now + 3_600_000, `raw-${id(4)}`, 'sched-4');
  writeProcessing(base, `raw-${id(5)}`, dead, 'dead-5');
  writeProcessing(base, `fle-${id(6)}-a-b.txt`, dead, 'dead-6');
  const deadToken = originalToken();
  writeOwnerFile(base, deadToken); // its consumer died: nobody holds the lock
  writeProcessing(base, `raw-${id(7)}`, deadToken, 'dead-7');
  const liveToken = originalToken();
  const liveLock = await holdFlock(writeOwnerFile(base, liveToken));
  t.after(() => liveLock.release());
  writeProcessing(base, `raw-${id(8)}`, liveToken, 'live-8');
  writeProcessing(base, `raw-${id(9)}`, originalToken(), 'no-owner-file-9'); // owner file gone: dead
  writeProcessing(base, `raw-${id(12)}`, live.pid!, 'live-12');

  const q = new Pacchettino(base);
  const handled: { name: string; kind: string; body: string; originalName?: string }[] = [];
  q.onJob = (job: Job) => {
    handled.push({ name: job.name, kind: job.kind, body: fs.readFileSync(job.path, 'utf8'), originalName: job.kind === 'file' ? job.originalName : undefined });
    return 'SUCCESS';
  };
  assert.equal(await q.receive({ randomize: false }), 3);

  assert.deepEqual(handled, [
    { name: data, kind: 'data', body: 'data-1', originalName: undefined },
    { name: file, kind: 'file', body: 'file-2', originalName: 'my-big-file.v2.tar.gz' },
    { name: `raw-${id(3)}`, kind: 'data', body: 'sched-3', originalName: undefined },
  ]);
  assert.deepEqual(entries(path.join(base, 'success')), [data, file, `raw-${id(3)}`].sort());
  assert.deepEqual(entries(path.join(base, 'scheduled')), [laterSched]);
  assert.ok(!fs.existsSync(path.join(base, 'scheduled', dueSched)));

  const interrupted = [`raw-${id(5)}`, `fle-${id(6)}-a-b.txt`, `raw-${id(7)}`, `raw-${id(9)}`];
  assert.deepEqual(entries(path.join(base, 'interrupted')), interrupted.sort());
  assert.equal(fs.readFileSync(path.join(base, 'interrupted', `fle-${id(6)}-a-b.txt`), 'utf8'), 'dead-6');
  assert.equal(fs.readFileSync(path.join(base, 'interrupted', `raw-${id(7)}`), 'utf8'), 'dead-7');
  assert.match(q.details(id(5))?.reason ?? '', new RegExp(`pid ${dead}\\b`));
  assert.match(q.details(id(7))?.reason ?? '', new RegExp(deadToken));
  assert.equal(q.isInterrupted(id(6)), true);

  assert.deepEqual(entries(path.join(base, 'processing')), [`raw-${id(12)}.${live.pid}`, `raw-${id(8)}.${liveToken}`].sort(), 'live owners keep their jobs');
  assert.equal(q.status(id(8)), 'PROCESSING');

  // The lock-file consumer dies: its lock goes, and the next sweep recovers its job.
  await liveLock.release();
  assert.deepEqual(q.recover().interrupted, [`raw-${id(8)}`]);
  assert.equal(fs.readFileSync(path.join(base, 'interrupted', `raw-${id(8)}`), 'utf8'), 'live-8');
});

test('entries of processing/ that are not a claim (a stray file or link, no owner suffix, a suffix neither pid nor token) are left alone', async (t) => {
  const base = path.join(scratchDir(t, 'original'), 'q');
  layOutQueue(base);
  const now = Date.now();
  const dead = await pidOfExitedProcess();
  fs.writeFileSync(path.join(base, 'processing', 'README'), 'notes');
  // A regular file is a claim only as our file form of a data job (processingEntry.ts): a file
  // job's name as a file, or a link, is a stray even under a dead owner's pid.
  fs.writeFileSync(path.join(base, 'processing', `fle-${uuidV7(now, 1)}-report.pdf.${dead}`), 'a file, not a dir');
  fs.symlinkSync(path.join(base, 'processing', 'README'), path.join(base, 'processing', `raw-${uuidV7(now, 7)}.${dead}`));
  fs.mkdirSync(path.join(base, 'processing', `raw-${uuidV7(now, 2)}`)); // no suffix
  const odd = [`fle-${uuidV7(now, 3)}-report.pdf`, `raw-${uuidV7(now, 4)}.`, `raw-${uuidV7(now, 5)}.12ab`, `raw-${uuidV7(now, 6)}.Upper12345`];
  for (const name of odd) {
    fs.mkdirSync(path.join(base, 'processing', name));
    fs.writeFileSync(path.join(base, 'processing', name, 'raw'), 'keep me');
  }
  const before = entries(path.join(base, 'processing'));
  const q = new Pacchettino(base);
  assert.deepEqual(q.recover(), { interrupted: [], cleared: 0 });
  assert.deepEqual(entries(path.join(base, 'processing')), before);
  assert.deepEqual(entries(path.join(base, 'interrupted')), []);
});

test('a lock-mode consumer of ours writes what the original recognises: a 10-char token, owners/<token> locked', async (t) => {
  const base = path.join(scratchDir(t, 'original'), 'q');
  const p = await QueueProcess.start(t, { queue: base, options: { crashDetection: 'lock' } });
  const {
    ids: [id],
  } = await p.send({ data: 'x' });
  const running = p.request({ op: 'receiveOne', handler: 'block' });
  const claimed = await waitForEntry(path.join(base, 'processing'), (n) => n.startsWith(`raw-${id}.`));
  const token = claimed.slice(`raw-${id}.`.length);
  assert.match(token, ORIGINAL_TOKEN);
  assert.deepEqual(entries(path.join(base, 'owners')), [token]);
  assert.equal(isLocked(path.join(base, 'owners', token)), true);
  await p.request({ op: 'release', result: 'SUCCESS' });
  assert.equal(await running, true);
  assert.deepEqual(entries(path.join(base, 'success')), [`raw-${id}`]);
});

test('owners/<token> never appears unlocked: it is locked in tmp/ and then renamed in (the original deletes free owner files)', async (t) => {
  const dir = scratchDir(t, 'original');
  const base = path.join(dir, 'q');
  const trace = path.join(dir, 'trace.txt');
  const p = await QueueProcess.start(t, { queue: base, options: { crashDetection: 'lock' }, prefix: stracePrefix(trace, '%file,flock') });
  assert.equal(await p.request({ op: 'receiveOne' }), false); // takes the owner lock, finds no job
  const [token] = entries(path.join(base, 'owners'));
  assert.match(token ?? '', ORIGINAL_TOKEN);
  await p.close();

  const calls = readTrace(trace, base).map((c) => `${c.name}(${c.args}) = ${c.result}`);
  const locked = calls.findIndex((c) => /^flock\(\d+<[^>]*\/tmp\/owner-/.test(c) && c.includes('LOCK_EX') && c.endsWith('= 0'));
  const appears = calls.findIndex((c) => c.includes(`/owners/${token}"`));
  assert.ok(locked >= 0, `no flock(LOCK_EX) on tmp/owner-${token}:\n${calls.join('\n')}`);
  assert.ok(appears > locked, `owners/${token} named (call ${appears}) before it was locked (call ${locked}):\n${calls.join('\n')}`);
  assert.match(calls[appears], new RegExp(`^rename\\w*\\(.*/tmp/owner-${token}".*/owners/${token}"`));
});

test("with a policy that does not keep INTERRUPTED, a dead owner's job is deleted and its dir removed", async (t) => {
  const base = path.join(scratchDir(t, 'original'), 'q');
  layOutQueue(base);
  const name = `fle-${uuidV7(Date.now())}-in-put.txt`;
  writeProcessing(base, name, await pidOfExitedProcess(), 'x');
  const q = new Pacchettino(base, { keep: Pacchettino.KeepPolicy.SUCCESS | Pacchettino.KeepPolicy.FAILED });
  assert.deepEqual(q.recover().interrupted, [name]);
  assert.deepEqual(entries(path.join(base, 'processing')), []);
  assert.deepEqual(entries(path.join(base, 'interrupted')), []);
  assert.equal(q.status(name), 'UNKNOWN');
});
