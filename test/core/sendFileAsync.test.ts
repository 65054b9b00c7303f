// sendFileAsync: the copy yields to the event loop between chunks, tells its progress, and
// a cancel before the commit leaves nothing in tmp/ or queued/; sends refuse a tmp/ or
// queued/ swapped for a link (the payload would land outside the queue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { entries, queuePath, scratchDir } from '../support/scratch';
import { isQueueError } from '../support/queueErrors';

/** A file of `mb` MiB of distinct bytes (not zeros, so a copy that skipped chunks would show). */
function bigFile(dir: string, mb: number): string {
  const file = path.join(dir, 'big.bin');
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < mb; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  return file;
}

test('sendFileAsync queues a copy of the whole file, reporting progress up to its size', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const file = bigFile(scratchDir(t), 8);
  const seen: number[] = [];
  const id = await q.sendFileAsync(file, { onProgress: (bytes, size) => (assert.equal(size, 8 << 20), seen.push(bytes)) });
  assert.deepEqual(fs.readFileSync(path.join(q.layout.queued, `fle-${id}-big.bin`)), fs.readFileSync(file));
  assert.equal(seen.at(-1), 8 << 20);
  assert.ok(seen.length >= 8, `progress told ${seen.length} times`);
  assert.deepEqual(entries(q.layout.tmp), []);
});

test('while sendFileAsync copies 64 MiB, timers of the same process keep firing', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const file = bigFile(scratchDir(t), 64);
  let ticks = 0;
  let copying = true;
  const ticking = (async () => {
    while (copying) {
      await new Promise<void>((r) => setImmediate(r));
      ticks++;
    }
  })();
  await q.sendFileAsync(file);
  copying = false;
  await ticking;
  // The blocking sendFile would let none through before it returns.
  assert.ok(ticks >= 32, `the loop turned ${ticks} times during the copy`);
});

test('a sendFileAsync aborted mid-copy rejects with the AbortError and leaves nothing in tmp/ or queued/', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const file = bigFile(scratchDir(t), 32);
  const abort = new AbortController();
  const send = q.sendFileAsync(file, { signal: abort.signal, onProgress: (bytes) => bytes >= 4 << 20 && abort.abort() });
  await assert.rejects(send, (err: Error) => err.name === 'AbortError');
  assert.deepEqual(entries(q.layout.tmp), []);
  assert.deepEqual(entries(q.layout.queued), []);
  assert.equal(fs.statSync(file).size, 32 << 20, 'the source is untouched');
});

test('an aborted signal before the send writes nothing; a bad file still fails as sendFile does', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const dir = scratchDir(t);
  fs.writeFileSync(path.join(dir, 'small.txt'), 'x');
  await assert.rejects(q.sendFileAsync(path.join(dir, 'small.txt'), { signal: AbortSignal.abort() }), (err: Error) => err.name === 'AbortError');
  await assert.rejects(q.sendFileAsync(path.join(dir, 'missing.txt')), isQueueError('FILE_NOT_FOUND'));
  await assert.rejects(q.sendFileAsync(dir), isQueueError('NOT_A_FILE'));
  assert.deepEqual(entries(q.layout.tmp), []);
  assert.deepEqual(entries(q.layout.queued), []);
});

for (const folder of ['tmp', 'queued', 'scheduled']) {
  test(`a ${folder}/ swapped for a link after the queue was opened: every send refuses (NOT_A_DIRECTORY), nothing lands outside`, async (t) => {
    const dir = scratchDir(t);
    const q = new Pacchettino(path.join(dir, 'q'));
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.rmSync(path.join(q.layout.base, folder), { recursive: true });
    fs.symlinkSync(outside, path.join(q.layout.base, folder));
    const file = path.join(dir, 'payload.txt');
    fs.writeFileSync(file, 'payload');
    const delay = folder === 'scheduled' ? { delay: 60_000 } : {};
    assert.throws(() => q.sendData('data', delay), isQueueError('NOT_A_DIRECTORY', /symbolic link/));
    assert.throws(() => q.sendFile(file, delay), isQueueError('NOT_A_DIRECTORY', /symbolic link/));
    await assert.rejects(q.sendFileAsync(file, delay), isQueueError('NOT_A_DIRECTORY', /symbolic link/));
    assert.deepEqual(entries(outside), []);
  });
}
