// FORMAT.md "Crash recovery", its lock-file mode, and the pid-reuse weak spot: real consumer
// processes killed with SIGKILL in the middle of a job, and the sweeps that follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setImmediate, setTimeout as delay } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readProcStat } from 'pacchettino/internal';
import { Pacchettino } from 'pacchettino';
import { entries, queuePath, scratchDir } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';
import { waitForEntry, waitForNoEntry, waitForPath } from '../support/waitFor';
import { isLocked, waitForUnlock } from '../support/flock';
import { pidAlive, startIdleProcess } from '../support/processes';
import { layOutQueue, uuidV7 } from '../support/originalLayout';

/** Each consumer in its own PID namespace (and /proc), as in separate containers; dies with its unshare. */
const OWN_PID_NAMESPACE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

/** Starts a blocking handler on `jobName` in the child and resolves with its processing dir once the payload is inside. */
/** `payload`: the file's name inside a claim dir; none for a data job, whose claim is the payload itself (the file form). */
async function claimAndHold(p: QueueProcess, base: string, jobName: string, payload?: string): Promise<string> {
  const pending = p.request({ op: 'receiveOne', randomize: false, handler: 'block' });
  pending.catch(() => undefined); // settled by the test's release or kill
  const entry = await waitForEntry(path.join(base, 'processing'), (n) => n.startsWith(`${jobName}.`));
  if (payload !== undefined) await waitForPath(path.join(base, 'processing', entry, payload));
  return entry;
}

for (const mode of ['pid', 'lock'] as const) {
  test(`a consumer SIGKILLed mid-job (${mode} mode): the job goes to interrupted/ with a reason on the next sweep`, async (t) => {
    const dir = scratchDir(t, 'crash');
    const base = path.join(dir, 'q');
    const q = new Pacchettino(base);
    fs.writeFileSync(path.join(dir, 'big-input.csv'), 'a,b\n1,2\n');
    const fileId = q.sendFile(path.join(dir, 'big-input.csv'));
    const name = `fle-${fileId}-big-input.csv`;

    const consumer = await QueueProcess.start(t, { queue: base, options: { crashDetection: mode } });
    const procDir = await claimAndHold(consumer, base, name, 'big-input.csv');
    const owner = procDir.slice(name.length + 1);
    if (mode === 'pid') assert.equal(owner, String(consumer.pid));
    else assert.equal(isLocked(path.join(base, 'owners', owner)), true);

    // While the consumer lives its job is left alone.
    assert.deepEqual(q.recover().interrupted, []);
    assert.equal(q.status(fileId), 'PROCESSING');

    await consumer.kill('SIGKILL');
    // A killed lock holder's lock goes with its last process, a moment after the kill.
    if (mode === 'lock') await waitForUnlock(path.join(base, 'owners', owner));

    assert.deepEqual(q.recover().interrupted, [name]);
    assert.deepEqual(entries(path.join(base, 'processing')), []);
    assert.equal(fs.readFileSync(path.join(base, 'interrupted', name), 'utf8'), 'a,b\n1,2\n');
    assert.equal(q.isInterrupted(fileId), true);
    const d = q.details(fileId);
    assert.equal(d?.state, 'INTERRUPTED');
    assert.equal(d?.attempts, 1);
    assert.equal(d?.record?.lastResult, 'INTERRUPTED');
    assert.match(d?.reason ?? '', mode === 'pid' ? new RegExp(`pid ${consumer.pid}\\b.*died`) : new RegExp(`lock ${owner}\\b.*died`));
  });
}

test('a consumer killed mid-job is recovered by the first receive of any other consumer', async (t) => {
  const base = queuePath(t);
  const producer = new Pacchettino(base);
  const id = producer.sendData('x');
  const consumer = await QueueProcess.start(t, { queue: base });
  await claimAndHold(consumer, base, `raw-${id}`);
  await consumer.kill('SIGKILL');
  const other = new Pacchettino(base);
  other.onData = () => 'SUCCESS';
  assert.equal(await other.receive(), 0);
  assert.equal(other.status(id), 'INTERRUPTED');
});

test('pid reuse: a claim named by a live pid whose process started after the dir was made is recovered', async (t) => {
  const base = queuePath(t);
  layOutQueue(base);
  const name = `raw-${uuidV7(Date.now())}`;
  // The dir and payload of a consumer that died; its pid is then recycled by an unrelated process.
  const made = path.join(base, 'processing', `${name}.pending`);
  fs.mkdirSync(made);
  fs.writeFileSync(path.join(made, 'raw'), 'orphan');
  await delay(300); // real time must pass: the new process must start later than the dir, by more than the slack
  const recycled = await startIdleProcess(t);
  fs.renameSync(made, path.join(base, 'processing', `${name}.${recycled.pid}`)); // a rename keeps the dir's birth time

  const q = new Pacchettino(base, { pidReuseSlackMs: 100 });
  assert.deepEqual(q.recover().interrupted, [name]);
  assert.ok(pidAlive(recycled.pid!), 'the unrelated process lives on');
  assert.equal(fs.readFileSync(path.join(base, 'interrupted', name), 'utf8'), 'orphan');
});

test('a claim whose live owner started before the dir was made is left alone', async (t) => {
  const base = queuePath(t);
  layOutQueue(base);
  const owner = await startIdleProcess(t);
  const name = `raw-${uuidV7(Date.now())}`;
  fs.mkdirSync(path.join(base, 'processing', `${name}.${owner.pid}`));
  fs.writeFileSync(path.join(base, 'processing', `${name}.${owner.pid}`, 'raw'), 'busy');
  const q = new Pacchettino(base); // default slack
  assert.deepEqual(q.recover(), { interrupted: [], cleared: 0 });
  assert.equal(q.status(name), 'PROCESSING');
  owner.kill('SIGKILL');
  await new Promise((r) => owner.once('exit', r));
  assert.deepEqual(q.recover().interrupted, [name]);
});

test('a claim whose owner is a zombie (dead, never reaped: a container init that does not reap) is recovered', async (t) => {
  const base = queuePath(t);
  layOutQueue(base);
  // A parent that never reaps: perl forks a child that exits at once, and prints its pid only once
  // SIGCHLD has come (the handler does not wait(), so the child stays a zombie until perl ends).
  // (`sh -c 'true & ...; exec sleep'` raced: sh could reap the child before its exec.)
  const parent = spawn(
    'perl',
    ['-e', '$| = 1; $SIG{CHLD} = sub { $dead = 1 }; my $p = fork(); exit 0 unless $p; sleep 1 until $dead; print "$p\\n"; sleep 30'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.after(() => parent.kill('SIGKILL'));
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const zombie = Number(line.toString().trim());
  assert.equal(readProcStat(zombie)?.state, 'Z', 'the child is a zombie');
  const name = `raw-${uuidV7(Date.now() - 60_000)}`;
  // Made before the zombie died, so only its state (not pid reuse) can mark it dead.
  const dir = path.join(base, 'processing', `${name}.${zombie}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'raw'), 'orphan');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(dir, old, old);
  assert.ok(!pidAlive(zombie));
  assert.deepEqual(new Pacchettino(base).recover().interrupted, [name]);
});

test('close() with a lock-mode job in hand keeps the lock until that job is filed, so no sweeper interrupts it', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base, { crashDetection: 'lock' });
  const id = q.sendData('x');
  let finish: (r: 'SUCCESS') => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    q.onData = () => {
      resolve();
      return new Promise((r) => (finish = r));
    };
  });
  const running = q.receiveOne();
  await started;
  const closing = q.close();
  await setImmediate(); // a turn for close() to do whatever it does before the job is done
  const other = new Pacchettino(base);
  assert.deepEqual(other.recover().interrupted, [], 'the job in hand is alive');
  finish('SUCCESS');
  assert.equal(await running, true);
  await closing;
  assert.equal(other.status(id), 'SUCCESS');
  assert.deepEqual(entries(path.join(base, 'owners')), [], 'the lock is released once the job is filed');
});

test('an empty processing dir of a dead owner (killed between mkdir and rename) is cleared, its job still queued', (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const id = q.sendData('x');
  const dead = path.join(base, 'processing', `raw-${id}.${2 ** 31 - 2}`); // a pid no process has
  fs.mkdirSync(dead);
  assert.deepEqual(q.recover(), { interrupted: [], cleared: 1 });
  assert.equal(fs.existsSync(dead), false);
  assert.equal(q.status(id), 'QUEUED');
});

test("lock mode across PID namespaces: consumers never interrupt each other's live jobs; a killed one's job is recovered", async (t) => {
  const base = queuePath(t, 'ns');
  const producer = new Pacchettino(base);
  const [a, b, c] = ['a', 'b', 'c'].map((x) => `raw-${producer.sendData(x)}`);
  const lock = { crashDetection: 'lock' as const };

  const consumerA = await QueueProcess.start(t, { queue: base, options: lock, prefix: OWN_PID_NAMESPACE });
  const consumerB = await QueueProcess.start(t, { queue: base, options: lock, prefix: OWN_PID_NAMESPACE });
  assert.equal(consumerA.pid, 1, 'node is PID 1 of its own namespace');
  assert.equal(consumerB.pid, 1);
  const dirA = await claimAndHold(consumerA, base, a);
  const dirB = await claimAndHold(consumerB, base, b);

  // A third consumer, in a third namespace, sweeps and works beside them.
  const consumerC = await QueueProcess.start(t, { queue: base, options: lock, prefix: OWN_PID_NAMESPACE });
  assert.equal(await consumerC.request({ op: 'receiveOne' }), true);
  assert.deepEqual(await consumerC.request({ op: 'recover' }), { interrupted: [], cleared: 0 });
  assert.deepEqual(entries(path.join(base, 'processing')), [dirA, dirB].sort());
  assert.deepEqual(entries(path.join(base, 'success')), [c]);

  await consumerA.kill('SIGKILL');
  await waitForUnlock(path.join(base, 'owners', dirA.slice(a.length + 1)));
  assert.deepEqual(await consumerC.request({ op: 'recover' }), { interrupted: [a], cleared: 0 });
  assert.deepEqual(entries(path.join(base, 'processing')), [dirB]);
  assert.deepEqual(entries(path.join(base, 'interrupted')), [a]);

  await consumerB.request({ op: 'release', result: 'SUCCESS' });
  await waitForNoEntry(path.join(base, 'processing'), (n) => n === dirB); // filed, then its dir removed
  assert.deepEqual(entries(path.join(base, 'success')), [b, c].sort());
});
