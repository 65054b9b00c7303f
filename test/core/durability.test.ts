// durable: fsync of the payload and of the folders on every send and change of state.
// The file system cannot show an fsync, so strace counts them in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { entries, scratchDir } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';
import { readTrace, stracePrefix } from '../support/strace';
import { pidOfExitedProcess } from '../support/processes';
import { uuidV7, writeProcessing } from '../support/originalLayout';

test('durable mode works end to end: send, delay, retry, fail, recover', async (t) => {
  const dir = scratchDir(t, 'durable');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base, { durable: true, retryDelay: 50, maxAttempts: 3 });
  fs.writeFileSync(path.join(dir, 'in-put.txt'), 'file');
  const ids = {
    data: q.sendData('data'),
    file: q.sendFile(path.join(dir, 'in-put.txt')),
    later: q.sendData('later', { delay: 50 }),
    flaky: q.sendData('flaky'),
  };
  q.onJob = (job) => (job.kind === 'data' && job.data.toString() === 'flaky' ? 'RETRY' : 'SUCCESS');
  let handled = 0;
  while (await q.receiveOne({ timeout: 400 })) handled++; // the retry delays are 50 and 100 ms
  assert.equal(handled, 6); // data, file, later, flaky x3
  assert.equal(q.status(ids.data), 'SUCCESS');
  assert.equal(q.status(ids.file), 'SUCCESS');
  assert.equal(q.status(ids.later), 'SUCCESS');
  assert.equal(q.status(ids.flaky), 'FAILED');
  const lost = `raw-${uuidV7(Date.now())}`;
  writeProcessing(base, lost, await pidOfExitedProcess(), 'x');
  assert.deepEqual(q.recover().interrupted, [lost]);
  for (const d of ['tmp', 'queued', 'processing', 'scheduled']) assert.deepEqual(entries(path.join(base, d)), []);
});

/** Runs a child that sends `jobs` data jobs and handles them, under strace; returns the ids and the traced calls under the queue. */
async function tracedRun(t: Parameters<typeof scratchDir>[0], durable: boolean, jobs: number) {
  const dir = scratchDir(t, 'durable');
  const base = path.join(dir, 'q');
  const trace = path.join(dir, 'trace.txt');
  const p = await QueueProcess.start(t, { queue: base, options: { durable }, prefix: stracePrefix(trace) });
  const { ids } = await p.send({ data: 'payload', count: jobs });
  for (let i = 0; i < jobs; i++) assert.equal(await p.request({ op: 'receiveOne', randomize: false }), true);
  await p.close();
  const calls = readTrace(trace, base).map((c) => `${c.name}(${c.args}) = ${c.result}`);
  return { base, ids, calls };
}

test('durable: every send fsyncs the payload before renaming it, then the folders; every change of state fsyncs its folders', async (t) => {
  const { base, ids, calls } = await tracedRun(t, true, 3);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const q = esc(base);
  const index = (re: RegExp) => calls.findIndex((c) => re.test(c));
  const fsyncsOf = (folder: string) => calls.filter((c) => new RegExp(`^fsync\\(\\d+<${q}/${folder}>\\) = 0$`).test(c)).length;
  for (const id of ids) {
    const synced = index(new RegExp(`^fsync\\(\\d+<${q}/tmp/${id}>\\) = 0$`));
    const renamed = index(new RegExp(`^rename\\w*\\(.*"${q}/tmp/${id}".*"${q}/queued/raw-${id}"`));
    const queuedSynced = calls.findIndex((c, i) => i > renamed && new RegExp(`^fsync\\(\\d+<${q}/queued>\\) = 0$`).test(c));
    assert.ok(
      synced >= 0 && renamed > synced && queuedSynced > renamed,
      `send ${id}: payload fsync ${synced}, rename ${renamed}, queued/ fsync ${queuedSynced}\n${calls.join('\n')}`,
    );
    const filed = index(new RegExp(`^rename\\w*\\(.*"${q}/processing/raw-${id}\\.\\d+".*"${q}/success/raw-${id}"`));
    const successSynced = calls.findIndex((c, i) => i > filed && new RegExp(`^fsync\\(\\d+<${q}/success>\\) = 0$`).test(c));
    assert.ok(filed >= 0 && successSynced > filed, `filing ${id}: rename ${filed}, success/ fsync ${successSynced}`);
  }
  assert.equal(fsyncsOf('tmp'), 0, 'tmp/ is not synced: a send is safe once its payload and its queued/ entry are');
  assert.ok(fsyncsOf('queued') >= 6, 'queued/ synced on each send and each claim');
  assert.ok(fsyncsOf('processing') >= 6, 'processing/ synced on each claim and each finish');
  assert.ok(fsyncsOf('success') >= 3);
});

test('without durable nothing under the queue is fsynced (the original 1.0.x behaviour)', async (t) => {
  const { calls } = await tracedRun(t, false, 3);
  assert.ok(
    calls.some((c) => c.startsWith('rename')),
    'the trace saw the queue at work',
  );
  assert.deepEqual(
    calls.filter((c) => /^f(data)?sync\(/.test(c)),
    [],
  );
});
