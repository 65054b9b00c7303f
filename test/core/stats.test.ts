// The throughput history: results per minute and the queue's depth, kept on disk by the
// consumers (one line per minute each), read back by any process as the last hour or day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { entries, queuePath } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';

const totals = (q: Pacchettino, window: 'hour' | 'day' = 'hour') =>
  q
    .stats(window)
    .buckets.reduce(
      (t, b) => ({ success: t.success + b.success, failed: t.failed + b.failed, retried: t.retried + b.retried, interrupted: t.interrupted + b.interrupted }),
      { success: 0, failed: 0, retried: 0, interrupted: 0 },
    );

test('a consumer counts its results per minute and writes them at close, with the depth; another handle reads them', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base, { maxAttempts: 0 });
  for (let i = 0; i < 7; i++) q.sendData(`job ${i}`);
  let n = 0;
  q.onData = () => (++n <= 4 ? 'SUCCESS' : n <= 6 ? 'FAILED' : 'RETRY');
  for (let i = 0; i < 7; i++) await q.receiveOne();
  q.sendData('left waiting');
  await q.close();

  const reader = new Pacchettino(base);
  assert.deepEqual(totals(reader), { success: 4, failed: 2, retried: 1, interrupted: 0 });
  const hour = reader.stats('hour');
  assert.equal(hour.bucketMs, 60_000);
  assert.equal(hour.buckets.length, 60);
  const last = hour.buckets.filter((b) => b.depth !== undefined).pop();
  assert.equal(last?.depth, 2, 'the retried job and the one left waiting');
  assert.deepEqual(totals(reader, 'day'), { success: 4, failed: 2, retried: 1, interrupted: 0 });
  assert.equal(reader.stats('day').buckets.length, 96);
  const files = entries(path.join(base, '.pacchettino', 'history'));
  assert.deepEqual(files, [`${new Date().toISOString().slice(0, 10)}.log`]);
  const minutes = fs
    .readFileSync(path.join(base, '.pacchettino', 'history', files[0]), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[0]);
  assert.deepEqual(minutes, [...new Set(minutes)], 'one line per minute, not per job');
});

test('consumers in two processes add up; a recovery sweep counts what it interrupted', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const a = await QueueProcess.start(t, { queue: base });
  const b = await QueueProcess.start(t, { queue: base });
  for (let i = 0; i < 4; i++) q.sendData(`job ${i}`);
  for (const c of [a, b]) {
    assert.equal(await c.request({ op: 'receiveOne' }), true);
    assert.equal(await c.request({ op: 'receiveOne' }), true);
    await c.close();
  }
  q.sendData('will be interrupted');
  const victim = await QueueProcess.start(t, { queue: base });
  void victim.request({ op: 'receiveOne', timeout: 5000, handler: 'block' });
  await victim.nextEvent('running');
  await victim.kill('SIGKILL');
  assert.equal(q.recover().interrupted.length, 1);
  assert.deepEqual(totals(q), { success: 4, failed: 0, retried: 0, interrupted: 1 });
});

test('history lines outside the window, damaged lines and days older than two are left out (and old days deleted)', (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const dir = path.join(base, '.pacchettino', 'history');
  const now = Date.now();
  const minute = now - (now % 60_000);
  const today = new Date(now).toISOString().slice(0, 10);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '2000-01-01.log'), `${Date.UTC(2000, 0, 1)} s5\n`);
  fs.writeFileSync(path.join(dir, `${today}.log`), [`${minute} s3 f1 q9`, 'garbage', `${minute} sX f-2`, `${minute - 2 * 3_600_000} s100`, ''].join('\n'));
  assert.deepEqual(totals(q), { success: 3, failed: 1, retried: 0, interrupted: 0 });
  assert.equal(q.stats('hour').buckets.at(-1)?.depth, 9);
  q.sampleDepth(); // a write on a day file that exists: no clean-up
  assert.ok(fs.existsSync(path.join(dir, '2000-01-01.log')));
  fs.rmSync(path.join(dir, `${today}.log`));
  q.sampleDepth(); // the day's first line: days older than two go
  assert.deepEqual(entries(dir), [`${today}.log`]);
});
