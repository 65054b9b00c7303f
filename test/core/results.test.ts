// FORMAT.md "Claim and process" step 5, "Keep policy", "Status queries", and counts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeepPolicy, Pacchettino, QueueError, type HandlerAnswer, type JobEvent, type Result } from 'pacchettino';
import { entries, queuePath, scratchDir } from '../support/scratch';

const { NONE, SUCCESS, FAILED, INTERRUPTED, ALL } = KeepPolicy;

/** Where one data job ends up after a handler answering `result`, under `keep`. */
async function fileOne(t: Parameters<typeof queuePath>[0], keep: number, result: Result) {
  const base = queuePath(t);
  const q = new Pacchettino(base, { keep });
  const id = q.sendData('payload');
  q.onData = () => result;
  assert.equal(await q.receiveOne(), true);
  const where = Object.fromEntries(
    ['queued', 'processing', 'success', 'failed', 'interrupted', 'tmp', 'scheduled'].map((d) => [d, entries(path.join(base, d))]),
  );
  return { base, q, id, where };
}

describe('filing by result and keep policy', () => {
  const cases: [string, number, Result, string | undefined][] = [
    ['ALL', ALL, 'SUCCESS', 'success'],
    ['ALL', ALL, 'FAILED', 'failed'],
    ['ALL', ALL, 'RETRY', 'queued'],
    ['SUCCESS', SUCCESS, 'SUCCESS', 'success'],
    ['SUCCESS', SUCCESS, 'FAILED', undefined],
    ['FAILED', FAILED, 'SUCCESS', undefined],
    ['FAILED', FAILED, 'FAILED', 'failed'],
    ['NONE', NONE, 'SUCCESS', undefined],
    ['NONE', NONE, 'FAILED', undefined],
    ['NONE', NONE, 'RETRY', 'queued'], // RETRY goes back whatever the policy
    ['INTERRUPTED', INTERRUPTED, 'SUCCESS', undefined],
  ];
  for (const [policy, keep, result, folder] of cases) {
    test(`keep ${policy}, handler ${result} -> ${folder ?? 'deleted'}`, async (t) => {
      const { base, q, id, where } = await fileOne(t, keep, result);
      for (const [d, names] of Object.entries(where)) {
        assert.deepEqual(names, d === folder ? [`raw-${id}`] : [], `${d}/`);
      }
      if (folder) assert.equal(fs.readFileSync(path.join(base, folder, `raw-${id}`), 'utf8'), 'payload');
      const expectState = folder ? folder.toUpperCase() : 'UNKNOWN';
      assert.equal(q.status(id), expectState);
    });
  }
});

test('a throwing handler is FAILED, and the error text is recorded', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const id = q.sendData('x');
  q.onData = () => {
    throw new Error('disk on fire');
  };
  const events: JobEvent[] = [];
  q.on('job', (e) => events.push(e)); // typed: e is a JobEvent
  // @ts-expect-error: a queue emits no such event
  q.on('jobs', () => undefined);
  assert.equal(await q.receiveOne(), true);
  assert.equal(q.isFailed(id), true);
  const d = q.details(id);
  assert.equal(d?.state, 'FAILED');
  assert.equal(d?.reason, 'disk on fire');
  assert.equal(d?.attempts, 1);
  assert.equal(d?.record?.lastResult, 'FAILED');
  assert.deepEqual(
    events.map((e) => e.result),
    ['FAILED'],
  );
});

test('a rejecting async handler is FAILED with its text; so is a thrown non-Error and a bad answer', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const a = q.sendData('a');
  const b = q.sendData('b');
  const c = q.sendData('c');
  const answers: Record<string, () => HandlerAnswer | Promise<HandlerAnswer>> = {
    a: async () => {
      await new Promise((r) => setImmediate(r));
      throw new TypeError('bad input in a');
    },
    b: () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what is tested is a handler that throws a non-Error
      throw 'a plain string';
    },
    c: () => 'MAYBE' as Result,
  };
  q.onData = (job) => answers[job.data.toString()]();
  assert.equal(await q.receive(), 3);
  assert.equal(q.details(a)?.reason, 'bad input in a');
  assert.equal(q.details(b)?.reason, 'a plain string');
  assert.match(q.details(c)?.reason ?? '', /MAYBE/);
  for (const id of [a, b, c]) assert.equal(q.status(id), 'FAILED');
});

test('a handler may answer a result with details kept beside the failed job', async (t) => {
  const q = new Pacchettino(queuePath(t));
  const id = q.sendData('x');
  q.onData = () => ({ result: 'FAILED', reason: 'exit 3', exitCode: 3, output: 'last lines\n' });
  await q.receiveOne();
  const d = q.details(`raw-${id}`);
  assert.equal(d?.reason, 'exit 3');
  assert.equal(d?.record?.exitCode, 3);
  assert.equal(d?.record?.output, 'last lines\n');
});

test('with no handler set a job is FAILED (kept in failed/), as in the original', async (t) => {
  const dir = scratchDir(t);
  const q = new Pacchettino(path.join(dir, 'q'));
  const dataId = q.sendData('x');
  fs.writeFileSync(path.join(dir, 'f'), 'y');
  const fileId = q.sendFile(path.join(dir, 'f'));
  q.onData = () => 'SUCCESS'; // a data handler does not handle file jobs
  assert.equal(await q.receive(), 2);
  assert.equal(q.status(dataId), 'SUCCESS');
  assert.equal(q.status(fileId), 'FAILED');
  assert.match(q.details(fileId)?.reason ?? '', /no handler/);
  const bare = new Pacchettino(path.join(dir, 'q'));
  const other = bare.sendData('z');
  assert.equal(await bare.receive(), 1);
  assert.equal(bare.status(other), 'FAILED');
});

describe('is* queries', () => {
  test('isSuccess/isFailed/isInterrupted throw NOT_KEPT when the policy does not keep that state', (t) => {
    const q = new Pacchettino(queuePath(t), { keep: NONE });
    const id = q.sendData('x');
    for (const ask of [() => q.isSuccess(id), () => q.isFailed(id), () => q.isInterrupted(id)]) {
      assert.throws(ask, (e: unknown) => e instanceof QueueError && e.code === 'NOT_KEPT');
    }
    assert.equal(q.isQueued(id), true, 'queued and processing are always answerable');
    assert.equal(q.isProcessing(id), false);
  });

  test('each throws only for its own flag', (t) => {
    const base = queuePath(t);
    const onlyFailed = new Pacchettino(base, { keep: FAILED });
    assert.throws(() => onlyFailed.isSuccess('x'), /keep policy/);
    assert.equal(onlyFailed.isFailed('x'), false);
    assert.throws(() => onlyFailed.isInterrupted('x'), /keep policy/);
    const failedInterrupted = new Pacchettino(base, { keep: FAILED | INTERRUPTED });
    assert.equal(failedInterrupted.isInterrupted('x'), false);
    assert.throws(() => failedInterrupted.isSuccess('x'));
  });

  test('accept the bare uuid, the job name, and a file job name with dashes', async (t) => {
    const dir = scratchDir(t);
    const q = new Pacchettino(path.join(dir, 'q'));
    fs.writeFileSync(path.join(dir, 'a-b.c'), '');
    const fileId = q.sendFile(path.join(dir, 'a-b.c'));
    const dataId = q.sendData('');
    for (const key of [fileId, `fle-${fileId}-a-b.c`]) assert.equal(q.isQueued(key), true, key);
    for (const key of [dataId, `raw-${dataId}`]) assert.equal(q.isQueued(key), true, key);
    q.onJob = (job) => (job.kind === 'file' ? 'SUCCESS' : 'FAILED');
    await q.receive();
    assert.equal(q.isSuccess(`fle-${fileId}-a-b.c`), true);
    assert.equal(q.isSuccess(fileId), true);
    assert.equal(q.isFailed(`raw-${dataId}`), true);
    assert.equal(q.isQueued(fileId), false);
  });

  test('isProcessing is true while the handler runs, for id and name', async (t) => {
    const q = new Pacchettino(queuePath(t));
    const id = q.sendData('x');
    let inside: boolean[] = [];
    q.onData = (job) => {
      inside = [q.isProcessing(id), q.isProcessing(job.name), q.isQueued(id), q.status(id) === 'PROCESSING'];
      return 'SUCCESS';
    };
    await q.receiveOne();
    assert.deepEqual(inside, [true, true, false, true]);
    assert.equal(q.isProcessing(id), false);
  });
});

describe('status()', () => {
  test('never throws: unknown ids, garbage, states the policy drops', (t) => {
    const q = new Pacchettino(queuePath(t), { keep: NONE });
    for (const junk of ['', '/', '../../etc/passwd', 'raw-', 'fle-x', '\0', 'x'.repeat(5000), '01937f3c-9a2b-7c4d-8e5f-0123456789ab']) {
      assert.equal(q.status(junk), 'UNKNOWN', JSON.stringify(junk.slice(0, 40)));
    }
  });

  test('follows a job through SCHEDULED, QUEUED, PROCESSING, SUCCESS, by id and by name', async (t) => {
    const q = new Pacchettino(queuePath(t));
    const id = q.sendData('x', { delay: 60_000 });
    assert.equal(q.status(id), 'SCHEDULED');
    assert.equal(q.status(`raw-${id}`), 'SCHEDULED');
    q.requeue(id); // scheduled -> queued at once
    assert.equal(q.status(id), 'QUEUED');
    let during = '';
    q.onData = () => ((during = q.status(`raw-${id}`)), 'SUCCESS');
    await q.receiveOne();
    assert.equal(during, 'PROCESSING');
    assert.equal(q.status(id), 'SUCCESS');
  });
});

test('counts per state and countAll', async (t) => {
  const dir = scratchDir(t);
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  assert.deepEqual(q.counts(), { SCHEDULED: 0, QUEUED: 0, PROCESSING: 0, SUCCESS: 0, FAILED: 0, INTERRUPTED: 0 });
  const ids = Array.from({ length: 9 }, (_, i) => q.sendData(String(i)));
  q.sendData('later', { delay: 60_000 });
  q.onData = (job) => {
    const n = Number(job.data.toString());
    return n < 4 ? 'SUCCESS' : n < 6 ? 'FAILED' : 'RETRY';
  };
  // Handle the first six, oldest first: 4 succeed, 2 fail; 6..8 stay queued.
  for (let i = 0; i < 6; i++) await q.receiveOne({ randomize: false });
  fs.mkdirSync(path.join(base, 'processing', `raw-${ids[8]}.${process.pid}`)); // stands for one running
  fs.renameSync(path.join(base, 'queued', `raw-${ids[8]}`), path.join(base, 'processing', `raw-${ids[8]}.${process.pid}`, 'raw'));
  fs.writeFileSync(path.join(base, 'queued', 'not-a-job'), '');
  assert.deepEqual(q.counts(), { SCHEDULED: 1, QUEUED: 2, PROCESSING: 1, SUCCESS: 4, FAILED: 2, INTERRUPTED: 0 });
  assert.equal(q.countScheduled(), 1);
  assert.equal(q.countQueued(), 2);
  assert.equal(q.countProcessing(), 1);
  assert.equal(q.countSuccess(), 4);
  assert.equal(q.countFailed(), 2);
  assert.equal(q.countInterrupted(), 0);
  assert.equal(q.countAll(), 10);
});
