import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Pacchettino } from 'pacchettino';
import * as protocol from '@pacchettino/shared';
import { NOBODY } from '../support/cli';
import { queuePath, scratchDir } from '../support/scratch';
import { WorkerConnection, settingsFor, summaryOf } from '../support/workerConnection';

const { WorkerErrorCodes } = protocol;

for (const watch of [true, false]) {
  test(`a removed queue folder shows as an error, then as counts once it is back (watch: ${watch})`, async (t) => {
    const q = queuePath(t);
    const w = await WorkerConnection.start(t, settingsFor([q], { watch }));
    new Pacchettino(q).sendData('before');

    let since = w.changes.length;
    fs.rmSync(q, { recursive: true });
    const gone = await w.waitForSummary(q, (s) => s.error !== undefined, since);
    assert.match(gone.error!, /does not exist/);
    assert.equal(gone.counts, undefined);
    assert.equal(gone.watching, false);

    const reply = await w.raw(protocol.JobsRequest.method, { queue: q, state: 'QUEUED' });
    assert.equal(reply.error?.code, WorkerErrorCodes.QueueUnavailable);
    assert.match(reply.error.message, /does not exist/);
    assert.equal(summaryOf(await w.rpc.sendRequest(protocol.QueuesRequest.type), q)?.error, gone.error);
    assert.equal(fs.existsSync(q), false, 'the worker does not recreate a queue someone removed');

    since = w.changes.length;
    const back = new Pacchettino(q); // a producer opening the queue recreates it
    back.sendData('one');
    back.sendData('two');
    const again = await w.waitForSummary(q, (s) => s.counts?.QUEUED === 2, since);
    assert.equal(again.error, undefined);
    assert.equal(again.watching, watch, 'watches are set up again on the new folders');

    // And it goes on noticing (by the new watches when watching, which `watching` above shows are up; else by polling).
    since = w.changes.length;
    back.sendData('three');
    await w.waitForSummary(q, (s) => s.counts?.QUEUED === 3, since);
  });
}

test('a queue path that is a file, or a queue missing a state folder, is an error until fixed', async (t) => {
  const q = queuePath(t);
  fs.mkdirSync(path.dirname(q), { recursive: true });
  fs.writeFileSync(q, 'not a queue');
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const [asFile] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.match(asFile.error!, /not a directory|is a file/);
  const enqueue = await w.raw(protocol.EnqueueDataRequest.method, { queue: q, data: 'x' });
  assert.equal(enqueue.error?.code, WorkerErrorCodes.QueueUnavailable);

  let since = w.changes.length;
  fs.rmSync(q);
  new Pacchettino(q);
  await w.waitForSummary(q, (s) => s.counts?.QUEUED === 0, since);

  since = w.changes.length;
  fs.rmSync(path.join(q, 'failed'), { recursive: true });
  const partial = await w.waitForSummary(q, (s) => s.error !== undefined, since);
  assert.match(partial.error!, /failed\/ is missing/);

  since = w.changes.length;
  fs.mkdirSync(path.join(q, 'failed'));
  const whole = await w.waitForSummary(q, (s) => s.counts !== undefined, since);
  assert.equal(whole.counts?.FAILED, 0);
  assert.equal(w.child.exitCode, null);
});

test("a queue path or a state folder turned into a link or a file: the summary says so in the words of the core's refusal, whichever answers first", async (t) => {
  const dir = scratchDir(t, 'not-real-dirs');
  const [linked, filed, asFile] = ['linked', 'filed', 'as-file'].map((n) => path.join(dir, n));
  const insideFile = path.join(dir, 'holder', 'q');
  const w = await WorkerConnection.start(t, settingsFor([linked, filed, asFile, insideFile]));
  const since = w.changes.length;
  fs.mkdirSync(path.join(dir, 'outside'));
  fs.rmSync(path.join(linked, 'queued'), { recursive: true });
  fs.symlinkSync(path.join(dir, 'outside'), path.join(linked, 'queued'));
  fs.rmSync(path.join(filed, 'failed'), { recursive: true });
  fs.writeFileSync(path.join(filed, 'failed'), '');
  for (const file of [asFile, path.dirname(insideFile)]) {
    fs.rmSync(file, { recursive: true });
    fs.writeFileSync(file, 'not a queue');
  }
  for (const [q, start] of [
    [linked, `Queue folder ${path.join(linked, 'queued')} is a symbolic link`],
    [filed, `Queue folder ${path.join(filed, 'failed')} is a file`],
    [asFile, `Queue path ${asFile} exists and is not a directory`],
    [insideFile, `Queue path ${insideFile} is inside a file`],
  ]) {
    const summary = await w.waitForSummary(q, (s) => s.error !== undefined, since);
    assert.equal(summary.errorCode, 'NOT_A_DIRECTORY');
    assert.ok(summary.error?.startsWith(start), summary.error);
    assert.throws(() => new Pacchettino(q), { code: 'NOT_A_DIRECTORY', message: summary.error });
  }
});

test('as an unprivileged user: a state folder it cannot read is an error until readable again', async (t) => {
  const dir = scratchDir(t, 'unreadable');
  fs.chmodSync(dir, 0o755); // mkdtemp makes it 0700: let the worker in
  const denied = path.join(dir, 'denied');
  const q = path.join(dir, 'q');
  fs.mkdirSync(q);
  fs.chownSync(q, NOBODY, NOBODY);
  const w = await WorkerConnection.start(t, settingsFor([denied, q]), { asUser: NOBODY });
  const [cannotCreate, opened] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.match(cannotCreate.error!, /Permission denied while creating the folders of queue .*denied/, 'why opening failed, not just "does not exist"');
  assert.equal(opened.error, undefined, 'the worker made the state folders as its user');

  let since = w.changes.length;
  fs.chmodSync(path.join(q, 'queued'), 0o000);
  const locked = await w.waitForSummary(q, (s) => s.error !== undefined, since);
  assert.match(locked.error!, /queued\/ of queue .* cannot be read: permission denied/);
  const reply = await w.raw(protocol.JobsRequest.method, { queue: q, state: 'QUEUED' });
  assert.equal(reply.error?.code, WorkerErrorCodes.QueueUnavailable);

  since = w.changes.length;
  fs.chmodSync(path.join(q, 'queued'), 0o755);
  const open = await w.waitForSummary(q, (s) => s.counts !== undefined, since);
  assert.equal(open.counts?.QUEUED, 0);

  // Configuring again is how the user says "try again" once the permissions are fixed.
  fs.chmodSync(dir, 0o777);
  const [created] = await w.rpc.sendRequest(protocol.ConfigureRequest.type, settingsFor([denied, q]));
  assert.equal(created.error, undefined);
  assert.equal(fs.statSync(path.join(denied, 'queued')).uid, NOBODY);
});
