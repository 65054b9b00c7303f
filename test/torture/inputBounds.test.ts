// Numbers and names at and past their bounds, given to the CLI, the library, the worker
// and the task definition: each is refused with a clear error naming the flag (or option)
// and its allowed range, and nothing is written. An id prefix that names several jobs is
// refused, naming them. And cleanup's age is the time since a job finished.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protocol from '@pacchettino/shared';
import { BOUNDS, Pacchettino, QueueError, newJobId, type Job } from 'pacchettino';
import { scratchDir, entries } from '../support/scratch';
import { runCli, sentId } from '../support/cli';
import { isQueueError } from '../support/queueErrors';
import { WorkerConnection, settingsFor } from '../support/workerConnection';
import { takeCensus } from './support/census';

const ROOT = path.resolve(__dirname, '../../..');

test('CLI flags out of range: exit 64 naming the flag and its range; nothing sent, nothing run', { timeout: 120_000 }, async (t) => {
  const base = path.join(scratchDir(t, 'bounds-cli'), 'q');
  new Pacchettino(base).sendData('a job that must not run');
  const before = takeCensus(base);
  const cases: [string[], RegExp][] = [
    [['send', base, '--data', 'x', '--delay', '1000000000000000000000'], /--delay .*at most/],
    [['send', base, '--data', 'x', '--delay', '10000000000000000'], /--delay .*at most/],
    [['send', base, '--data', 'x', '--delay', '11y'], /--delay .*at most/],
    [['send', base, '--data', 'x', '--delay', ''], /--delay .*empty/],
    [['send', base, '--data', 'x', '--keep', ''], /--keep .*empty/],
    [['consume', base, '--once', '--timeout', '30d', '--', 'false'], /--timeout .*at most/],
    [['consume', base, '--once', '--timeout=', '--', 'false'], /--timeout .*empty/],
    [['consume', base, '--once', '--concurrency', '4294967296', '--', 'false'], /--concurrency .*1 to 1024/],
    [['consume', base, '--once', '--concurrency', '1000000', '--', 'false'], /--concurrency .*1 to 1024/],
    [['consume', base, '--once', '--concurrency', '0', '--', 'false'], /--concurrency .*1 to 1024/],
    [['consume', base, '--once', '--max-attempts', '9'.repeat(400), '--', 'false'], /--max-attempts .*0 to/],
    [['consume', base, '--once', '--retry-delay', '11y', '--', 'false'], /--retry-delay .*at most/],
    [['cleanup', base, '--older-than', '11y'], /--older-than .*at most/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    const what = args.slice(2).join(' ');
    assert.equal(r.code, 64, `${what}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.doesNotMatch(r.stderr, /val is not|Invalid (array length|time value)/, what);
  }
  assert.deepEqual(takeCensus(base), before, 'nothing was sent, run or deleted');
  // At the bounds, accepted.
  const r = await runCli(['send', base, '--data', 'x', '--delay', String(BOUNDS.delayMs.max)]);
  assert.equal(r.code, 0, r.stderr);
  for (const args of [
    ['ls', base, 'scheduled'],
    ['status', base],
    ['status', base, sentId(r)],
  ]) {
    const s = await runCli(args);
    assert.equal(s.code, 0, `${args.join(' ')}: ${s.stderr}`);
  }
});

test('a scheduled/ entry laid by hand with a due time past any Date: counted, listed, never due; ls and status exit 0', { timeout: 60_000 }, async (t) => {
  const base = path.join(scratchDir(t, 'bounds-due'), 'q');
  const q = new Pacchettino(base);
  const id = newJobId();
  fs.writeFileSync(path.join(q.layout.scheduled, `99999999999999999999999-raw-${id}`), 'far future');
  for (const args of [
    ['ls', base, 'scheduled'],
    ['status', base],
    ['status', base, id],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /Invalid time value/);
  }
  assert.equal(q.count('SCHEDULED'), 1);
  assert.equal(q.status(id), 'SCHEDULED');
  q.onJob = () => 'SUCCESS';
  assert.equal(await q.receive(), 0, 'never due');
});

test('library options out of range: QueueError BAD_OPTION naming the option and its range; nothing written', { timeout: 60_000 }, (t) => {
  const base = path.join(scratchDir(t, 'bounds-lib'), 'q');
  const q = new Pacchettino(base);
  for (const delay of [Infinity, -1, NaN, 1e16, BOUNDS.delayMs.max + 1, '5s' as unknown as number]) {
    assert.throws(() => q.sendData('x', { delay }), isQueueError('BAD_OPTION', /delay .*(at most|must be)/), String(delay));
    fs.writeFileSync(path.join(base, '..', 'f.txt'), 'f');
    assert.throws(() => q.sendFile(path.join(base, '..', 'f.txt'), { delay }), isQueueError('BAD_OPTION', /delay/), String(delay));
  }
  assert.deepEqual(entries(q.layout.scheduled), []);
  assert.deepEqual(entries(q.layout.queued), []);
  assert.deepEqual(entries(q.layout.tmp), []);
  const bad: Record<string, unknown>[] = [
    { retryDelay: Infinity },
    { maxRetryDelay: -5 },
    { pollInterval: 2 ** 31 },
    { pollInterval: 0 },
    { recoveryInterval: 2 ** 31 },
    { maxAttempts: -1 },
    { maxAttempts: 1.5 },
    { crashDetection: 'flock' },
    { retryBackoff: 'linear' },
  ];
  for (const options of bad) {
    const [key] = Object.keys(options);
    assert.throws(() => new Pacchettino(base, options), isQueueError('BAD_OPTION', new RegExp(key)), JSON.stringify(options));
  }
  // keep is checked where the finished states are defined (policy.ts), with the same error.
  for (const keep of [8, -1]) assert.throws(() => new Pacchettino(base, { keep }), isQueueError('BAD_OPTION', /keep/));
});

test("the bounds have one home: the worker's params and the task definition use the core's", { timeout: 60_000 }, async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { taskDefinitions: { properties: Record<string, { minimum?: number; maximum?: number }> }[] };
  };
  const props = pkg.contributes.taskDefinitions[0].properties;
  assert.deepEqual([props.concurrency.minimum, props.concurrency.maximum], [BOUNDS.concurrency.min, BOUNDS.concurrency.max]);
  // The task's timeout is in seconds; the handler's timer in ms.
  assert.deepEqual([props.timeout.minimum, props.timeout.maximum], [BOUNDS.handlerTimeoutMs.min / 1000, Math.floor(BOUNDS.handlerTimeoutMs.max / 1000)]);
  // The lease too, in seconds.
  assert.deepEqual([props.lease.minimum, props.lease.maximum], [BOUNDS.leaseMs.min / 1000, BOUNDS.leaseMs.max / 1000]);

  const dir = scratchDir(t, 'bounds-worker');
  const q = path.join(dir, 'q');
  new Pacchettino(q);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const over = await w.raw(protocol.EnqueueDataRequest.method, { queue: q, data: 'x', delayMs: BOUNDS.delayMs.max + 1 });
  assert.equal(over.error?.code, -32602, JSON.stringify(over));
  assert.match(over.error.message, new RegExp(`delayMs.*${BOUNDS.delayMs.max}`));
  const at = await w.raw(protocol.EnqueueDataRequest.method, { queue: q, data: 'x', delayMs: BOUNDS.delayMs.max });
  assert.equal(at.error, undefined, JSON.stringify(at));
  const age = await w.raw(protocol.CleanupRequest.method, { queue: q, states: ['SUCCESS'], olderThanMs: BOUNDS.ageMs.max + 1 });
  assert.equal(age.error?.code, -32602, JSON.stringify(age));
});

test('an id prefix that names several jobs is refused, naming them: library AMBIGUOUS, CLI exit 65, worker per-item error', { timeout: 60_000 }, async (t) => {
  const dir = scratchDir(t, 'ambiguous');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const ids = [q.sendData('one'), q.sendData('two'), q.sendData('three')];
  q.onJob = () => 'FAILED';
  assert.equal(await q.receive(), 3);
  const before = takeCensus(base);
  // UUIDv7: the first 8 hex digits are the send time's top 32 bits, shared by jobs sent within ~65 s.
  const prefix = ids[0].slice(0, 8);
  assert.ok(ids.every((id) => id.startsWith(prefix)));
  const names = (e: unknown) => {
    assert.ok(e instanceof QueueError);
    assert.equal(e.code, 'AMBIGUOUS');
    for (const id of ids) assert.ok(e.message.includes(id), `${e.message} names ${id}`);
    return true;
  };
  assert.throws(() => q.requeue(prefix), names);
  assert.throws(() => q.remove(prefix), names);
  assert.throws(() => q.details(prefix), names);
  assert.equal(q.status(prefix), 'UNKNOWN', 'status never throws: an ambiguous prefix is no one job');
  // A prefix that names one job still works.
  assert.equal(q.details(ids[2].slice(0, 30))?.id, ids[2]);

  for (const args of [
    ['requeue', base, prefix],
    ['status', base, prefix],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 65, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /names 3 jobs/);
    for (const id of ids) assert.ok(r.stderr.includes(id), `${args.join(' ')} names ${id}: ${r.stderr}`);
  }
  // The issue's `requeue q 0`: too short to name anything, and said so.
  const short = await runCli(['requeue', base, '0']);
  assert.equal(short.code, 65, short.stderr);
  assert.match(short.stderr, /too short/);

  const w = await WorkerConnection.start(t, settingsFor([base]));
  for (const item of ['01', prefix]) {
    const reply = await w.rpc.sendRequest(protocol.DeleteRequest.type, { queue: base, ids: [item] });
    assert.equal(reply.count, 0, item);
    assert.equal(reply.errors.length, 1, JSON.stringify(reply));
  }
  assert.deepEqual(takeCensus(base), before, 'nothing was requeued or deleted');
});

test("cleanup --older-than counts from when a job finished, not from its payload's mtime", { timeout: 60_000 }, async (t) => {
  const dir = scratchDir(t, 'cleanup-age');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const old = path.join(dir, 'old.txt');
  fs.writeFileSync(old, 'written long ago');
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  fs.utimesSync(old, twoDaysAgo, twoDaysAgo);
  const id = q.sendFile(old, { move: true }); // a move keeps the file's mtime
  q.onJob = (job: Job) => (job.id === id ? 'SUCCESS' : 'FAILED');
  assert.equal(await q.receive(), 1);
  const filed = path.join(q.layout.success, `fle-${id}-old.txt`);
  assert.ok(fs.statSync(filed).mtimeMs < Date.now() - 24 * 3600 * 1000, 'the payload still looks two days old');

  const r = await runCli(['cleanup', base, '--older-than', '1d']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^0 deleted$/m);
  assert.equal(q.status(id), 'SUCCESS', 'a job that finished a moment ago is kept');
  assert.equal(q.cleanup({ olderThanMs: 24 * 3600 * 1000 }), 0);
  // Once it has been finished for longer than the age, it goes.
  const finishedAt = fs.statSync(filed).ctimeMs;
  while (Date.now() - finishedAt < 300) await new Promise((r) => setTimeout(r, 50));
  const r2 = await runCli(['cleanup', base, '--older-than', '200']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /^1 deleted$/m);
  assert.equal(q.status(id), 'UNKNOWN');
});
