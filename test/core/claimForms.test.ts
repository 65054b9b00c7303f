// The two claim forms in one queue (server/src/core/processingEntry.ts): the original's
// processing/<job>.<owner>/ dirs, laid out by hand as it writes them, beside our file-form
// claims of data jobs (the payload itself at processing/<job>.<owner>). Each must be
// reported, listed, counted, claimed against and recovered right, whichever wrote it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino, type Job } from 'pacchettino';
import { claim, Layout } from 'pacchettino/internal';
import { entries, queuePath } from '../support/scratch';
import { holdFlock } from '../support/flock';
import { pidOfExitedProcess, startIdleProcess } from '../support/processes';
import { layOutQueue, originalToken, uuidV7, writeOwnerFile, writeProcessing, writeQueuedData, writeQueuedFile } from '../support/originalLayout';
import { writeFileFormClaim } from '../support/fileFormClaim';

test("the original's claim dirs and our file-form claims side by side: each reported, listed and recovered right", async (t) => {
  const base = queuePath(t);
  layOutQueue(base);
  const now = Date.now();
  const ids = new Map<number, string>();
  const id = (k: number) => ids.get(k) ?? ids.set(k, uuidV7(now - 1000 + k, k)).get(k)!;
  const dead = await pidOfExitedProcess();
  const live = await startIdleProcess(t); // started before the claims below: their live owner
  const deadToken = originalToken();
  writeOwnerFile(base, deadToken);
  const liveToken = originalToken();
  const liveLock = await holdFlock(writeOwnerFile(base, liveToken));
  t.after(() => liveLock.release());

  const P = path.join(base, 'processing');
  writeProcessing(base, `raw-${id(1)}`, dead, 'dir-dead-1');
  writeProcessing(base, `raw-${id(2)}`, live.pid!, 'dir-live-2');
  writeProcessing(base, `fle-${id(3)}-a.txt`, dead, 'dir-dead-3');
  writeFileFormClaim(base, `raw-${id(4)}`, dead, 'file-dead-4');
  writeFileFormClaim(base, `raw-${id(5)}`, live.pid!, 'file-live-5');
  writeFileFormClaim(base, `raw-${id(6)}`, deadToken, 'file-dead-6');
  writeFileFormClaim(base, `raw-${id(7)}`, liveToken, 'file-live-7');
  const queuedData = writeQueuedData(base, id(8), 'queued-8');
  const queuedFile = writeQueuedFile(base, id(9), 'b.tar.gz', 'queued-9');

  const q = new Pacchettino(base);
  // Reported: every claim is PROCESSING, by id, name and path, in either form.
  for (const k of [1, 2, 3, 4, 5, 6, 7]) assert.equal(q.status(id(k)), 'PROCESSING', `job ${k}`);
  assert.equal(q.status(path.join(P, `raw-${id(5)}.${live.pid}`)), 'PROCESSING');
  assert.equal(q.status(path.join(P, `raw-${id(2)}.${live.pid}`, 'raw')), 'PROCESSING');
  assert.equal(q.countProcessing(), 7);
  // Listed: each with its payload's path and size.
  const page = q.list('PROCESSING');
  const byId = new Map(page.jobs.map((j) => [j.id, j]));
  assert.equal(byId.get(id(2))?.path, path.join(P, `raw-${id(2)}.${live.pid}`, 'raw'));
  assert.equal(byId.get(id(2))?.size, 'dir-live-2'.length);
  assert.equal(byId.get(id(5))?.path, path.join(P, `raw-${id(5)}.${live.pid}`));
  assert.equal(byId.get(id(5))?.size, 'file-live-5'.length);
  assert.equal(byId.get(id(5))?.ownerPid, live.pid);
  assert.equal(byId.get(id(3))?.path, path.join(P, `fle-${id(3)}-a.txt.${dead}`, 'a.txt'));
  assert.equal(q.details(id(7))?.owner, liveToken);
  // The consumers view: a live owner holds its jobs of both forms.
  const holders = new Map(q.consumers().map((c) => [c.owner, c.jobs.map((j) => j.id).sort()]));
  assert.deepEqual(holders.get(String(live.pid)), [id(2), id(5)].sort());
  assert.deepEqual(holders.get(liveToken), [id(7)]);
  assert.equal(holders.has(String(dead)), false);

  // Claimed: a data job in the file form, a file job in the dir form, beside the rest.
  // entryIsPayload: the payload is itself the entry of processing/ (the file form).
  const seen: { name: string; path: string; entryIsPayload: boolean; body: string }[] = [];
  q.onJob = (job: Job) => {
    seen.push({
      name: job.name,
      path: job.path,
      entryIsPayload: path.dirname(job.path) === P && fs.lstatSync(job.path).isFile(),
      body: fs.readFileSync(job.path, 'utf8'),
    });
    return 'SUCCESS';
  };
  assert.equal(await q.receive({ randomize: false }), 2);
  assert.deepEqual(seen, [
    { name: queuedData, path: path.join(P, `${queuedData}.${process.pid}`), entryIsPayload: true, body: 'queued-8' },
    { name: queuedFile, path: path.join(P, `${queuedFile}.${process.pid}`, 'b.tar.gz'), entryIsPayload: false, body: 'queued-9' },
  ]);
  assert.deepEqual(entries(path.join(base, 'success')), [queuedData, queuedFile].sort());

  // Recovered (by that receive's sweep): dead owners' claims of both forms, payloads intact.
  const interrupted = [1, 3, 4, 6].map((k) => (k === 3 ? `fle-${id(3)}-a.txt` : `raw-${id(k)}`));
  assert.deepEqual(entries(path.join(base, 'interrupted')), [...interrupted].sort());
  for (const [k, body] of [
    [1, 'dir-dead-1'],
    [4, 'file-dead-4'],
    [6, 'file-dead-6'],
  ] as const)
    assert.equal(fs.readFileSync(path.join(base, 'interrupted', `raw-${id(k)}`), 'utf8'), body);
  assert.match(q.details(id(4))?.reason ?? '', new RegExp(`pid ${dead}\\b.*died`));
  assert.match(q.details(id(6))?.reason ?? '', new RegExp(`lock ${deadToken}\\b.*died`));
  assert.deepEqual(entries(P), [`raw-${id(2)}.${live.pid}`, `raw-${id(5)}.${live.pid}`, `raw-${id(7)}.${liveToken}`].sort(), 'live owners keep their jobs');

  // Their owners die: the next sweep files the rest, in either form.
  live.kill('SIGKILL');
  await new Promise((r) => live.once('exit', r));
  await liveLock.release();
  assert.deepEqual(q.recover().interrupted.sort(), [`raw-${id(2)}`, `raw-${id(5)}`, `raw-${id(7)}`].sort());
  assert.deepEqual(entries(P), []);
  assert.equal(fs.readFileSync(path.join(base, 'interrupted', `raw-${id(5)}`), 'utf8'), 'file-live-5');
  assert.equal(q.status(id(5)), 'INTERRUPTED');
  await q.close();
});

/** The original's claim, step by step as FORMAT.md has it: mkdir processing/<job>.<pid>, rename queued/<job> into it; rmdir if that fails. */
function originalClaim(base: string, name: string, pid: number): 'won' | 'lost' {
  const dir = path.join(base, 'processing', `${name}.${pid}`);
  try {
    fs.mkdirSync(dir);
  } catch {
    return 'lost';
  }
  try {
    fs.renameSync(path.join(base, 'queued', name), path.join(dir, 'raw'));
    return 'won';
  } catch {
    fs.rmdirSync(dir);
    return 'lost';
  }
}

test("our file-form claim and the original's dir claim of one job exclude each other, whichever comes first", async (t) => {
  const base = queuePath(t);
  layOutQueue(base);
  const layout = new Layout(base);
  const me = String(process.pid);
  const other = await pidOfExitedProcess(); // the original's pid: any other than ours

  // Ours first: the original's mkdir succeeds, its rename finds nothing, it removes its dir.
  const a = writeQueuedData(base, uuidV7(Date.now(), 1), 'a');
  assert.equal(claim(layout, a, me, false)?.form, 'file');
  assert.equal(originalClaim(base, a, other), 'lost');
  assert.deepEqual(entries(layout.processing), [`${a}.${me}`]);
  fs.rmSync(path.join(layout.processing, `${a}.${me}`));

  // The original's first: ours finds nothing to rename and leaves nothing behind.
  const b = writeQueuedData(base, uuidV7(Date.now(), 2), 'b');
  assert.equal(originalClaim(base, b, other), 'won');
  assert.equal(claim(layout, b, me, false), undefined);
  assert.deepEqual(entries(layout.processing), [`${b}.${other}`]);
  assert.equal(fs.readFileSync(path.join(layout.processing, `${b}.${other}`, 'raw'), 'utf8'), 'b');
  fs.rmSync(path.join(layout.processing, `${b}.${other}`), { recursive: true });

  // The original between its mkdir and its rename, under our very suffix (its pid equal to
  // ours, from another PID namespace): our rename cannot replace its dir, and the job stays
  // queued for its rename.
  const c = writeQueuedData(base, uuidV7(Date.now(), 3), 'c');
  fs.mkdirSync(path.join(layout.processing, `${c}.${me}`));
  assert.equal(claim(layout, c, me, false), undefined);
  assert.deepEqual(entries(layout.queued), [c]);
  fs.renameSync(path.join(layout.queued, c), path.join(layout.processing, `${c}.${me}`, 'raw'));
  assert.equal(fs.readFileSync(path.join(layout.processing, `${c}.${me}`, 'raw'), 'utf8'), 'c');
});

test("a file-form claim's time is its claim rename (ctime), not the payload's birth at send: a consumer started after the send keeps its job", async (t) => {
  const base = queuePath(t);
  layOutQueue(base);
  const name = writeQueuedData(base, uuidV7(Date.now()), 'sent before the consumer started');
  await delay(300); // real time must pass: the owner must start later than the payload's birth, by more than the slack
  const owner = await startIdleProcess(t);
  fs.renameSync(path.join(base, 'queued', name), path.join(base, 'processing', `${name}.${owner.pid}`)); // the claim, as ours makes it
  const q = new Pacchettino(base, { pidReuseSlackMs: 100 });
  assert.deepEqual(q.recover(), { interrupted: [], cleared: 0 });
  assert.equal(q.status(name), 'PROCESSING');
  assert.deepEqual(
    q
      .consumers()
      .find((c) => c.owner === String(owner.pid))
      ?.jobs.map((j) => j.name),
    [name],
  );
  owner.kill('SIGKILL');
  await new Promise((r) => owner.once('exit', r));
  assert.deepEqual(q.recover().interrupted, [name]);
});
