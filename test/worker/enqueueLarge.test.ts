// enqueueFiles of a large file: the worker answers other requests while it copies, tells
// the copy's progress under the client's token, and a cancelled request queues nothing of
// the file in hand (nor the files after it).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import * as protocol from '@pacchettino/shared';
import { entries, queuePath, scratchDir } from '../support/scratch';
import { WorkerConnection, settingsFor } from '../support/workerConnection';

/** A file of `mb` MiB; sparse (truncate), so making it costs nothing, yet the copy reads every byte of it. */
function sparseFile(dir: string, mb: number): string {
  const file = path.join(dir, 'big.bin');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, mb * 1024 * 1024);
  return file;
}

test('while a 512 MiB file is copied in, another queue is listed at once, and progress notifications carry the token', async (t) => {
  const dir = scratchDir(t);
  const [q, other] = [queuePath(t, 'big'), queuePath(t, 'other')];
  const w = await WorkerConnection.start(t, settingsFor([q, other]));
  const file = sparseFile(dir, 512);
  const progress: protocol.EnqueueProgressParams[] = [];
  const firstProgress = new Promise<void>((resolve) =>
    w.rpc.onNotification(protocol.EnqueueProgressNotification.type, (p) => {
      progress.push(p);
      resolve();
    }),
  );
  const sending = w.rpc.sendRequest(protocol.EnqueueFilesRequest.type, { queue: q, files: [file], progressToken: 'tok-1' });
  await firstProgress;
  const t0 = performance.now();
  const page = await w.rpc.sendRequest(protocol.JobsRequest.type, { queue: other, state: 'QUEUED' });
  const ms = performance.now() - t0;
  assert.equal(page.total, 0);
  const result = await sending;
  t.diagnostic(`[measure] jobs request during a 512 MiB enqueue answered in ${ms.toFixed(1)} ms; ${progress.length} progress notifications`);
  assert.ok(ms < 300, `answered after ${ms.toFixed(0)} ms`);
  assert.deepEqual(result.errors, []);
  assert.equal(result.cancelled, undefined);
  assert.equal(fs.statSync(path.join(q, 'queued', `fle-${result.ids[0]}-big.bin`)).size, 512 << 20);
  assert.ok(progress.every((p) => p.token === 'tok-1' && p.file === file && p.size === 512 << 20 && p.count === 1));
});

test('a cancelled enqueueFiles answers cancelled: the file in hand and the ones after it are not queued, tmp/ is empty', async (t) => {
  const dir = scratchDir(t);
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const file = sparseFile(dir, 2048);
  const after = path.join(dir, 'after.txt');
  fs.writeFileSync(after, 'after');
  const cancel = new CancellationTokenSource();
  w.rpc.onNotification(protocol.EnqueueProgressNotification.type, () => cancel.cancel());
  const result = await w.rpc.sendRequest(protocol.EnqueueFilesRequest.type, { queue: q, files: [file, after], progressToken: 't' }, cancel.token);
  assert.deepEqual(result, { ids: [], errors: [], cancelled: true });
  assert.deepEqual(entries(path.join(q, 'queued')), []);
  assert.deepEqual(entries(path.join(q, 'tmp')), []);
});
