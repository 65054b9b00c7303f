// pause / resume / status with progress, end to end through the installed command.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { runCli, sentId, startConsumer, writeScript } from '../support/cli';
import { queuePath, scratchDir, scratchQueue } from '../support/scratch';
import { waitForPath } from '../support/waitFor';

async function ok(args: string[]) {
  const r = await runCli(args);
  assert.equal(r.code, 0, `pacchettino ${args.join(' ')}: ${r.stderr}`);
  return r;
}

test('pause: a running consume takes no job while paused (jobs in hand finish); resume: it drains them', async (t) => {
  const q = queuePath(t, 'pause');
  const consumer = startConsumer(t, q, ['--', 'sh', '-c', 'exit 0']);
  const first = sentId(await ok(['send', q, '--data', 'first']));
  await consumer.waitForLine(new RegExp(`^SUCCESS ${first} `));

  assert.match((await ok(['pause', q])).stdout, /^paused since \d{4}-/);
  const status = await ok(['status', q]);
  assert.match(status.stdout, /\npaused since \d{4}-\d\d-\d\dT/);
  assert.ok((JSON.parse((await ok(['status', q, '--json'])).stdout) as { paused: { since: number } }).paused.since > 0);
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push(sentId(await ok(['send', q, '--data', `job ${i}`])));
  // An observation window, not a synchronisation: nothing may happen in it.
  await delay(1500);
  assert.equal(consumer.lines().filter((l) => l.startsWith('START')).length, 1, consumer.transcript());
  assert.match((await ok(['status', q])).stdout, /^queued {6}3$/m);

  assert.equal((await ok(['resume', q])).stdout, 'resumed\n');
  for (const id of ids) await consumer.waitForLine(new RegExp(`^SUCCESS ${id} `), { timeoutMs: 3000 });
  assert.doesNotMatch((await ok(['status', q])).stdout, /paused/);
  assert.equal((await ok(['resume', q])).stdout, 'not paused\n');
  // Stopped before the scratch folder goes: a consumer writes its history when it closes.
  consumer.kill('SIGTERM');
  assert.equal((await consumer.exit()).code, 0);
});

test("status shows a shell handler's progress from PACCHETTINO_PROGRESS_FILE while it runs; it is gone after", async (t) => {
  const { dir, q } = scratchQueue(t, 'progress');
  const release = path.join(dir, 'release');
  const handler = writeScript(
    dir,
    'handler.sh',
    `echo "10 starting" >> "$PACCHETTINO_PROGRESS_FILE"
echo "42 resizing" >> "$PACCHETTINO_PROGRESS_FILE"
while [ ! -e "${release}" ]; do sleep 0.05; done`,
  );
  const id = sentId(await ok(['send', q, '--data', 'x']));
  const consumer = startConsumer(t, q, ['--once', '--', handler]);
  const file = path.join(q, '.pacchettino', 'progress', id);
  await waitForPath(file);
  // The handler appends two lines; bounded polling of the file until the second is there.
  for (let i = 0; i < 100 && !fs.readFileSync(file, 'utf8').includes('resizing\n'); i++) await delay(20);
  assert.match((await ok(['status', q])).stdout, new RegExp(`^running {5}${id} {2}42% · resizing$`, 'm'));
  assert.match((await ok(['status', q, id])).stdout, /^progress {2}42% · resizing$/m);
  fs.writeFileSync(release, '');
  await consumer.waitForLine(new RegExp(`^SUCCESS ${id} `));
  assert.equal(fs.existsSync(file), false);
  assert.doesNotMatch((await ok(['status', q])).stdout, /running/);
});

interface StatsJson {
  hour: { bucketMs: number; buckets: { success: number; failed: number; depth?: number }[] };
  day: { bucketMs: number; buckets: { success: number; failed: number }[] };
}

test('stats: what consume finished this hour, by result, with the depth; --json gives both windows; --day by quarter hour', async (t) => {
  const dir = scratchDir(t, 'stats');
  const q = path.join(dir, 'q');
  for (const w of ['good', 'bad', 'good', 'bad', 'good']) await ok(['send', q, '--data', w]);
  assert.equal((await runCli(['consume', q, '--once', '--', 'sh', '-c', 'read w; [ "$w" = good ]'])).code, 1, 'some jobs failed');
  await ok(['send', q, '--data', 'waiting']);

  const text = (await ok(['stats', q])).stdout;
  assert.match(text, /^last hour: 3 succeeded, 2 failed, 0 retried, 0 interrupted; 0 queued at the last sample$/m);
  assert.match(text, /^\d{4}-\d\d-\d\d \d\d:\d\d +3 +2 +0 +0 +0$/m);
  const json = JSON.parse((await ok(['stats', q, '--json'])).stdout) as StatsJson;
  assert.equal(json.hour.bucketMs, 60_000);
  assert.equal(json.day.bucketMs, 900_000);
  const sum = (bs: { success: number; failed: number }[]) => bs.reduce((n, b) => [n[0] + b.success, n[1] + b.failed], [0, 0]);
  assert.deepEqual(sum(json.hour.buckets), [3, 2]);
  assert.deepEqual(sum(json.day.buckets), [3, 2]);
  assert.match((await ok(['stats', q, '--day'])).stdout, /^last day: 3 succeeded, 2 failed/m);
});
