// FORMAT.md "Layout", "Job ids", "Job names".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, QueueError, isQueueDir, newJobId, parseJobName, sentAtOf } from 'pacchettino';
import { entries, queuePath, scratchDir } from '../support/scratch';
import { ORIGINAL_DIRS, uuidV7 } from '../support/originalLayout';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const counterOf = (id: string) => parseInt(id.slice(15, 18), 16);
const msOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

test('opening a queue creates the base and every state folder, recursively', (t) => {
  const base = path.join(scratchDir(t), 'a', 'b', 'q');
  new Pacchettino(base);
  for (const d of [...ORIGINAL_DIRS, 'owners']) assert.ok(fs.statSync(path.join(base, d)).isDirectory(), `${d}/ missing`);
  assert.equal(isQueueDir(base), true);
  // Opening again (as every producer and consumer does) keeps what is there.
  fs.writeFileSync(path.join(base, 'queued', 'raw-keep'), 'x');
  new Pacchettino(base);
  assert.deepEqual(entries(path.join(base, 'queued')), ['raw-keep']);
});

test('a base path that is a file is a QueueError NOT_A_DIRECTORY, and the file is untouched', (t) => {
  const file = path.join(scratchDir(t), 'not-a-dir');
  fs.writeFileSync(file, 'hello');
  assert.throws(
    () => new Pacchettino(file),
    (e: unknown) => e instanceof QueueError && e.code === 'NOT_A_DIRECTORY' && e.message.includes(file),
  );
  assert.equal(fs.readFileSync(file, 'utf8'), 'hello');
  assert.equal(isQueueDir(file), false);
});

test('a state folder that is a file is NOT_A_DIRECTORY too', (t) => {
  const base = queuePath(t);
  fs.mkdirSync(base);
  fs.writeFileSync(path.join(base, 'queued'), '');
  assert.throws(
    () => new Pacchettino(base),
    (e: unknown) => e instanceof QueueError && e.code === 'NOT_A_DIRECTORY',
  );
});

test('job ids are lowercase UUIDv7 carrying the send time in ms', (t) => {
  const q = new Pacchettino(queuePath(t));
  const before = Date.now();
  const id = q.sendData('x');
  const after = Date.now();
  assert.match(id, UUID_V7);
  assert.ok(msOf(id) >= before && msOf(id) <= after, `${msOf(id)} not in [${before}, ${after}]`);
  assert.equal(q.sentAt(id)?.getTime(), msOf(id));
  assert.equal(q.sentAt(`raw-${id}`)?.getTime(), msOf(id), 'sentAt accepts the job name');
  assert.equal(sentAtOf('not-a-uuid'), undefined);
  assert.equal(sentAtOf('01937f3c-9a2b-4c4d-8e5f-0123456789ab'), undefined, 'a v4 id has no time');
});

test('the rand_a counter restarts at 0 each new millisecond and counts up inside one', () => {
  const t0 = Date.now() + 5; // a millisecond no id of this process has used yet
  const a = newJobId(t0);
  const b = newJobId(t0);
  const c = newJobId(t0);
  const d = newJobId(t0 + 1);
  assert.deepEqual([a, b, c, d].map(counterOf), [0, 1, 2, 0]);
  assert.deepEqual([a, b, c, d].map(msOf), [t0, t0, t0, t0 + 1]);
});

test('ids stay strictly increasing past 4096 in one millisecond and when the clock steps back', () => {
  const t0 = Date.now() + 50;
  const ids = [newJobId(t0)];
  for (let i = 0; i < 5000; i++) ids.push(newJobId(t0));
  ids.push(newJobId(t0 - 30)); // clock stepped back
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `id ${i} not greater: ${ids[i - 1]} >= ${ids[i]}`);
  for (const id of ids) assert.match(id, UUID_V7);
});

test('ids made in a loop sort (as strings) in creation order', () => {
  const ids = Array.from({ length: 20_000 }, () => newJobId());
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});

test('job names: raw-<id> for data, fle-<id>-<basename> for files, the basename may hold dashes', (t) => {
  const dir = scratchDir(t);
  const q = new Pacchettino(path.join(dir, 'q'));
  const dataId = q.sendData('payload');
  const file = path.join(dir, 'my-report-2024-01.tar.gz');
  fs.writeFileSync(file, 'file body');
  const fileId = q.sendFile(file);
  assert.deepEqual(entries(path.join(dir, 'q', 'queued')), [`fle-${fileId}-my-report-2024-01.tar.gz`, `raw-${dataId}`].sort());
  assert.equal(fs.readFileSync(path.join(dir, 'q', 'queued', `raw-${dataId}`), 'utf8'), 'payload');
  assert.equal(fs.readFileSync(path.join(dir, 'q', 'queued', `fle-${fileId}-my-report-2024-01.tar.gz`), 'utf8'), 'file body');
  assert.equal(fs.readFileSync(file, 'utf8'), 'file body', 'the sent file is copied, not moved');
});

test('parsing a name splits on "-": fields 0..5 are prefix and uuid, the rest is the basename', () => {
  const id = uuidV7(Date.now(), 3);
  assert.deepEqual(parseJobName(`fle-${id}-a-b--c.txt`), { name: `fle-${id}-a-b--c.txt`, kind: 'file', id, basename: 'a-b--c.txt' });
  assert.deepEqual(parseJobName(`raw-${id}`), { name: `raw-${id}`, kind: 'data', id, basename: undefined });
  assert.equal(parseJobName(`xyz-${id}`), undefined, 'names without fle-/raw- are not jobs');
  assert.equal(parseJobName('fle-only-three'), undefined);
});
