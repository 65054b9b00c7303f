// A broken queue's trouble travels as a code the client words for people: the summary's
// errorCode, the QueueUnavailable reply's data.code, an enqueue item's code.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as protocol from '@pacchettino/shared';
import { NOBODY } from '../support/cli';
import { scratchDir } from '../support/scratch';
import { WorkerConnection, settingsFor, summaryOf } from '../support/workerConnection';

const { WorkerErrorCodes } = protocol;

test('a queue path that is a file, a removed queue, a state folder swapped for a link: each summary and refusal carries its code', async (t) => {
  const dir = scratchDir(t);
  const [asFile, removed, linked] = ['as-file', 'removed', 'linked'].map((n) => path.join(dir, n));
  fs.writeFileSync(asFile, 'not a folder');
  const w = await WorkerConnection.start(t, settingsFor([asFile, removed, linked]));
  const payload = path.join(dir, 'payload.txt');
  fs.writeFileSync(payload, 'payload');

  let since = w.changes.length;
  fs.rmSync(removed, { recursive: true });
  fs.mkdirSync(path.join(dir, 'outside'));
  fs.rmSync(path.join(linked, 'queued'), { recursive: true });
  fs.symlinkSync(path.join(dir, 'outside'), path.join(linked, 'queued'));
  await w.waitForSummary(removed, (s) => s.error !== undefined, since);
  since = 0;
  await w.waitForSummary(linked, (s) => s.error !== undefined, since);

  const summaries = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  const want = { [asFile]: 'NOT_A_DIRECTORY', [removed]: 'NOT_A_QUEUE', [linked]: 'NOT_A_DIRECTORY' };
  for (const [queue, code] of Object.entries(want)) {
    assert.equal(summaryOf(summaries, queue)?.errorCode, code, `${queue}: ${summaryOf(summaries, queue)?.error}`);
    const reply = await w.raw(protocol.EnqueueFilesRequest.method, { queue, files: [payload] });
    assert.equal(reply.error?.code, WorkerErrorCodes.QueueUnavailable);
    assert.deepEqual(reply.error.data, { code });
  }
  assert.match(summaryOf(summaries, linked)!.error!, /queued is a symbolic link \(to .*outside\), not a real directory/);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'outside')), []);
});

test('as an unprivileged user: an enqueue into a queue whose tmp/ it cannot write fails that item with NO_ACCESS', async (t) => {
  const dir = scratchDir(t, 'no-access');
  fs.chmodSync(dir, 0o755); // mkdtemp makes it 0700: let the worker in
  const q = path.join(dir, 'q');
  fs.mkdirSync(q);
  fs.chownSync(q, NOBODY, NOBODY);
  const w = await WorkerConnection.start(t, settingsFor([q]), { asUser: NOBODY });
  fs.chmodSync(path.join(q, 'tmp'), 0o555);
  fs.chownSync(path.join(q, 'tmp'), 0, 0);
  const payload = path.join(dir, 'payload.txt');
  fs.writeFileSync(payload, 'payload');
  fs.chmodSync(payload, 0o644);
  const result = await w.rpc.sendRequest(protocol.EnqueueFilesRequest.type, { queue: q, files: [payload] });
  assert.deepEqual(result.ids, []);
  assert.equal(result.errors[0]?.code, 'NO_ACCESS', JSON.stringify(result));
});
