// A handler reports progress while it runs; whoever lists the queue sees it on the
// processing job; it is gone once the job is filed, or when recovery interrupts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, parseProgressLine, progressText } from 'pacchettino';
import { entries, queuePath } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';

test('job.progress(10|50|90, message) shows on the processing job as it runs, and is gone after', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  t.after(() => q.close());
  const looker = new Pacchettino(base); // another handle, as the worker or the CLI would be
  const id = q.sendData('big');
  const seen: string[] = [];
  q.onData = (job) => {
    for (const pct of [10, 50, 90]) {
      job.progress(pct, `step ${pct}`);
      const [running] = looker.list('PROCESSING').jobs;
      assert.equal(running.id, id);
      seen.push(progressText(running.progress!));
      assert.ok(Math.abs(running.progress!.at - Date.now()) < 2000, 'the report time is now');
    }
    assert.equal(looker.details(id)?.progress?.percent, 90);
    return 'SUCCESS';
  };
  assert.equal(await q.receiveOne(), true);
  assert.deepEqual(seen, ['10% · step 10', '50% · step 50', '90% · step 90']);
  assert.deepEqual(entries(path.join(base, '.pacchettino', 'progress')), []);
  assert.equal(looker.details(id)?.progress, undefined);
});

test('a process the handler starts writes lines to job.progressFile; the last whole line counts', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  t.after(() => q.close());
  q.sendData('x');
  let shown: unknown;
  q.onData = (job) => {
    fs.appendFileSync(job.progressFile, '10 download\n');
    fs.appendFileSync(job.progressFile, '42% resizing\n');
    fs.appendFileSync(job.progressFile, '60 half a li'); // a line still being written
    shown = q.list('PROCESSING').jobs[0].progress;
    return 'SUCCESS';
  };
  await q.receiveOne();
  assert.deepEqual({ ...(shown as object), at: 0 }, { percent: 42, message: 'resizing', at: 0 });
  assert.deepEqual(entries(path.join(base, '.pacchettino', 'progress')), [], 'the consumer removed the file it handed out');
});

test('progress lines: percent with or without %, message only, clamped, empty', () => {
  assert.deepEqual(parseProgressLine('42 resizing the image'), { percent: 42, message: 'resizing the image' });
  assert.deepEqual(parseProgressLine('7.5%'), { percent: 7.5 });
  assert.deepEqual(parseProgressLine('uploading'), { message: 'uploading' });
  assert.deepEqual(parseProgressLine('250 too far'), { percent: 100, message: 'too far' });
  assert.equal(parseProgressLine('   '), undefined);
});

test('a bad percent is a TypeError naming the call; the job still finishes as the handler says', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  t.after(() => q.close());
  const id = q.sendData('x');
  q.onData = (job) => {
    assert.throws(() => job.progress(Number.NaN, 'what'), /job\.progress\(percent, message\): percent must be a number/);
    return 'SUCCESS';
  };
  await q.receiveOne();
  assert.equal(q.status(id), 'SUCCESS');
});

test('a progress note that cannot be written (.pacchettino/progress a file) throws nothing into the handler: one warning per job, and the job is filed as the handler says', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  t.after(() => q.close());
  const warnings: string[] = [];
  q.on('warning', (err) => warnings.push(`${err.code} ${err.message}`));
  const id = q.sendData('x');
  const progress = path.join(base, '.pacchettino', 'progress');
  q.onData = (job) => {
    fs.rmSync(progress, { recursive: true });
    fs.writeFileSync(progress, 'not a folder');
    job.progress(10, 'first');
    job.progress(20, 'second');
    return 'SUCCESS';
  };
  await q.receiveOne();
  assert.equal(q.status(id), 'SUCCESS');
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], new RegExp(`^IO I/O error while writing the progress of job raw-${id} \\(the job goes on without it\\) \\(ENOTDIR`));
});

test('recovery removes the progress of a job whose consumer died', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const consumer = await QueueProcess.start(t, { queue: base });
  const id = q.sendData('x');
  void consumer.request({ op: 'receiveOne', timeout: 5000, handler: 'block' });
  await consumer.nextEvent('running');
  fs.writeFileSync(path.join(base, '.pacchettino', 'progress', id), '30 working\n');
  assert.equal(q.details(id)?.progress?.percent, 30);
  await consumer.kill('SIGKILL');
  assert.deepEqual(q.recover().interrupted.length, 1);
  assert.equal(fs.existsSync(path.join(base, '.pacchettino', 'progress', id)), false);
});
