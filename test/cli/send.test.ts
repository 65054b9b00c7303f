import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, sentId } from '../support/cli';
import { entries, queuePath, scratchDir } from '../support/scratch';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const STATE_DIRS = ['failed', 'interrupted', 'processing', 'queued', 'success', 'tmp'];

test('send --data: the id alone on the last line; queued/raw-<id> holds the bytes, tmp/ is empty', async (t) => {
  const q = queuePath(t);
  const r = await runCli(['send', q, '--data', 'héllo\nwörld']);
  assert.equal(r.code, 0, r.stderr);
  const id = sentId(r);
  assert.match(id, UUID_V7);
  assert.equal(r.stdout, `${id}\n`);
  for (const d of STATE_DIRS) assert.ok(fs.statSync(path.join(q, d)).isDirectory(), `${d}/ made`);
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${id}`]);
  assert.equal(fs.readFileSync(path.join(q, 'queued', `raw-${id}`), 'utf8'), 'héllo\nwörld');
  assert.deepEqual(entries(path.join(q, 'tmp')), []);
});

test('send --file: a copy as queued/fle-<id>-<basename>, a name with dashes and spaces kept whole', async (t) => {
  const dir = scratchDir(t);
  const q = path.join(dir, 'q');
  const file = path.join(dir, 'my report - final-v2.txt');
  fs.writeFileSync(file, 'the payload');
  const r = await runCli(['send', q, '--file', file]);
  assert.equal(r.code, 0, r.stderr);
  const id = sentId(r);
  assert.match(id, UUID_V7);
  assert.deepEqual(entries(path.join(q, 'queued')), [`fle-${id}-my report - final-v2.txt`]);
  assert.equal(fs.readFileSync(path.join(q, 'queued', `fle-${id}-my report - final-v2.txt`), 'utf8'), 'the payload');
  assert.ok(fs.existsSync(file), 'the source is copied, not moved');
  assert.deepEqual(entries(path.join(q, 'tmp')), []);
});

test('send --file with a relative path resolves it against the working directory', async (t) => {
  const dir = scratchDir(t);
  fs.writeFileSync(path.join(dir, 'rel.bin'), Buffer.from([0, 1, 2, 255]));
  const r = await runCli(['send', 'q', '--file', 'rel.bin'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'q', 'queued', `fle-${sentId(r)}-rel.bin`)), Buffer.from([0, 1, 2, 255]));
});

test('send --file --move: the file itself goes into queued/, the source is gone', async (t) => {
  const dir = scratchDir(t);
  const q = path.join(dir, 'q');
  const file = path.join(dir, 'moved.txt');
  fs.writeFileSync(file, 'moving');
  const r = await runCli(['send', q, '--file', file, '--move']);
  assert.equal(r.code, 0, r.stderr);
  const id = sentId(r);
  assert.equal(fs.existsSync(file), false);
  assert.equal(fs.readFileSync(path.join(q, 'queued', `fle-${id}-moved.txt`), 'utf8'), 'moving');
  assert.deepEqual(entries(path.join(q, 'tmp')), []);
});

test('send --delay: scheduled/<due ms>-<job name>, nothing queued', async (t) => {
  const dir = scratchDir(t);
  const q = path.join(dir, 'q');
  const file = path.join(dir, 'later - please.txt');
  fs.writeFileSync(file, 'later');

  const before = Date.now();
  const data = await runCli(['send', q, '--data', 'soon', '--delay', '1h']);
  const fileJob = await runCli(['send', q, '--file', file, '--delay', '90000']);
  const after = Date.now();
  assert.equal(data.code, 0, data.stderr);
  assert.equal(fileJob.code, 0, fileJob.stderr);

  const scheduled = entries(path.join(q, 'scheduled'));
  assert.equal(scheduled.length, 2);
  const byJob = new Map(scheduled.map((e) => [e.slice(e.indexOf('-') + 1), Number(e.slice(0, e.indexOf('-')))]));
  const dataDue = byJob.get(`raw-${sentId(data)}`);
  const fileDue = byJob.get(`fle-${sentId(fileJob)}-later - please.txt`);
  assert.ok(dataDue! >= before + 3_600_000 && dataDue! <= after + 3_600_000, `due ${dataDue} is an hour after the send`);
  assert.ok(fileDue! >= before + 90_000 && fileDue! <= after + 90_000, `due ${fileDue} is 90 s after the send`);
  assert.equal(fs.readFileSync(path.join(q, 'scheduled', `${dataDue}-raw-${sentId(data)}`), 'utf8'), 'soon');
  assert.deepEqual(entries(path.join(q, 'queued')), []);
  assert.deepEqual(entries(path.join(q, 'tmp')), []);
});

test('ids of successive sends sort by send time', async (t) => {
  const q = queuePath(t);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(sentId(await runCli(['send', q, '--data', String(i)])));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, 3);
});
