// Every bad input gives its own clear error, and leaves nothing behind in tmp/, queued/ or scheduled/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_BASENAME_BYTES, Pacchettino } from 'pacchettino';
import { entries, scratchDir } from '../support/scratch';
import { ChildQueueError, QueueProcess } from '../support/queueProcess';
import { isQueueError } from '../support/queueErrors';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

function assertNothingLeft(base: string): void {
  for (const d of ['tmp', 'queued', 'scheduled', 'processing']) assert.deepEqual(entries(path.join(base, d)), [], `${d}/ is empty`);
}

test('a missing file: "File not found: <path>" (FILE_NOT_FOUND)', (t) => {
  const dir = scratchDir(t, 'bad');
  const q = new Pacchettino(path.join(dir, 'q'));
  const missing = path.join(dir, 'nope', 'missing.txt');
  assert.throws(() => q.sendFile(missing), isQueueError('FILE_NOT_FOUND', /^File not found/));
  assert.throws(() => q.sendFile(path.join(dir, 'missing.txt'), { delay: 1000 }), isQueueError('FILE_NOT_FOUND', /^File not found: .*missing\.txt$/));
  assert.throws(() => q.sendFile(path.join(dir, 'gone.txt'), { move: true }), isQueueError('FILE_NOT_FOUND', /^File not found/));
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
  assert.throws(() => q.sendFile(path.join(dir, 'dangling')), isQueueError('FILE_NOT_FOUND', /^File not found/));
  assertNothingLeft(path.join(dir, 'q'));
});

test('a directory is not a file (NOT_A_FILE), copy or move', (t) => {
  const dir = scratchDir(t, 'bad');
  const q = new Pacchettino(path.join(dir, 'q'));
  fs.mkdirSync(path.join(dir, 'folder'));
  fs.writeFileSync(path.join(dir, 'folder', 'inside'), 'x');
  assert.throws(() => q.sendFile(path.join(dir, 'folder')), isQueueError('NOT_A_FILE', /folder/));
  assert.throws(() => q.sendFile(path.join(dir, 'folder'), { move: true }), isQueueError('NOT_A_FILE'));
  assert.deepEqual(entries(path.join(dir, 'folder')), ['inside'], 'the folder is untouched');
  assertNothingLeft(path.join(dir, 'q'));
});

test('a file the sender cannot read (as user nobody): UNREADABLE, nothing queued', async (t) => {
  const dir = scratchDir(t, 'bad');
  fs.chmodSync(dir, 0o755);
  const base = path.join(dir, 'q');
  new Pacchettino(base);
  for (const d of ['', 'tmp', 'queued', 'scheduled', 'processing', 'owners', '.pacchettino', '.pacchettino/meta']) fs.chmodSync(path.join(base, d), 0o777);
  const secret = path.join(dir, 'secret.txt');
  fs.writeFileSync(secret, 'root only', { mode: 0o600 });
  const readable = path.join(dir, 'public.txt');
  fs.writeFileSync(readable, 'anyone', { mode: 0o644 });

  const nobody = await QueueProcess.start(t, { queue: base, prefix: NOBODY });
  await assert.rejects(nobody.send({ file: secret }), (e: unknown) => {
    assert.ok(e instanceof ChildQueueError);
    assert.equal(e.code, 'UNREADABLE');
    assert.match(e.message, /secret\.txt/);
    return true;
  });
  assertNothingLeft(base);
  // The same user can send what it may read: the refusal above was about the file.
  const { ids } = await nobody.send({ file: readable });
  assert.deepEqual(entries(path.join(base, 'queued')), [`fle-${ids[0]}-public.txt`]);
  assert.equal(fs.readFileSync(secret, 'utf8'), 'root only');
});

test(`a base name over ${MAX_BASENAME_BYTES} bytes: NAME_TOO_LONG, counted in bytes`, (t) => {
  const dir = scratchDir(t, 'bad');
  const q = new Pacchettino(path.join(dir, 'q'));
  const ascii = path.join(dir, 'a'.repeat(197) + '.txt'); // 201 bytes
  const utf8 = path.join(dir, 'é'.repeat(101)); // 101 chars, 202 bytes
  for (const f of [ascii, utf8]) {
    fs.writeFileSync(f, 'x');
    assert.throws(() => q.sendFile(f), isQueueError('NAME_TOO_LONG', /at most 200/));
    assert.throws(() => q.sendFile(f, { move: true }), isQueueError('NAME_TOO_LONG'));
    assert.ok(fs.existsSync(f), 'the file stays where it was');
  }
  assertNothingLeft(path.join(dir, 'q'));
});

for (const crashDetection of ['pid', 'lock'] as const) {
  test(`a base name of exactly ${MAX_BASENAME_BYTES} bytes is sent, claimed and filed (${crashDetection} mode)`, async (t) => {
    const dir = scratchDir(t, 'bad');
    const base = path.join(dir, 'q');
    const name = 'b'.repeat(194) + '-x.bin';
    assert.equal(Buffer.byteLength(name), 200);
    fs.writeFileSync(path.join(dir, name), 'payload');
    const q = new Pacchettino(base, { crashDetection });
    t.after(() => q.close());
    const id = q.sendFile(path.join(dir, name));
    let got = '';
    q.onFile = (job) => ((got = `${job.originalName}:${fs.readFileSync(job.path, 'utf8')}`), 'SUCCESS');
    assert.equal(await q.receiveOne(), true);
    assert.equal(got, `${name}:payload`);
    assert.deepEqual(entries(path.join(base, 'success')), [`fle-${id}-${name}`]);
  });
}

test('a queue path where mkdir answers ENOENT under an existing parent (/proc): a clear error, not a hang', () => {
  // In a child with a deadline: Node's recursive mkdir spins there for ever, and a spin cannot be timed out in-process.
  const script = `const { Pacchettino } = require('pacchettino');
    for (const p of ['/proc/pacchettino-no-such/q', '/proc/self']) {
      try { new Pacchettino(p); console.log('opened ' + p); } catch (e) { console.log(e.code + ' ' + e.message); }
    }`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, `the child was not killed by the deadline: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, r.stdout + r.stderr);
  for (const line of lines) assert.match(line, /^[A-Z_]+ .*queue .*\/proc/, line);
});
