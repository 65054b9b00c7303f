import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobStatusJson, runCli, sentId, startConsumer, writeScript } from '../support/cli';
import { entries, queuePath, scratchQueue } from '../support/scratch';
import { pidAlive } from '../support/processes';

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** A handler that prints its pid and the pid of a child it starts, then waits for SIGUSR1 (or is killed). */
const UNTIL_USR1 = `trap 'kill $sleeper; echo finishing; exit 0' USR1
sleep 30 >/dev/null 2>&1 &
sleeper=$!
echo "running $$ $sleeper"
wait $sleeper`;

test('consume without --once waits for jobs: one sent by another process is handled within a second', async (t) => {
  const q = queuePath(t, 'consume-wait');
  const consumer = startConsumer(t, q, ['--', 'sh', '-c', 'exit 0']);

  // The first job shows the consumer is up; after it, the consumer is waiting on an empty queue.
  const first = sentId(await runCli(['send', q, '--data', 'first']));
  await consumer.waitForLine(new RegExp(`^SUCCESS ${first} \\d+ms$`));

  const sending = Date.now();
  const second = sentId(await runCli(['send', q, '--data', 'second']));
  await consumer.waitForLine(new RegExp(`^SUCCESS ${second} \\d+ms$`), { timeoutMs: 5000 });
  const took = Date.now() - sending;
  assert.ok(took < 1000, `handled ${took} ms after the send began`);

  consumer.kill('SIGTERM');
  const r = await consumer.exit();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /2 succeeded, 0 failed, 0 to retry/);
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${first}`, `raw-${second}`]);
  assert.deepEqual(entries(path.join(q, 'processing')), []);
});

test('consume: SIGTERM while a handler runs lets the job finish as SUCCESS, then exits 0', async (t) => {
  const { dir, q } = scratchQueue(t, 'consume-term');
  // Runs until told (SIGUSR1) to finish; the trap is set before the line that says it runs.
  const handler = writeScript(
    dir,
    'until-usr1.sh',
    `trap 'kill $sleeper; echo finishing; exit 0' USR1
sleep 30 >/dev/null 2>&1 &
sleeper=$!
echo "running $$"
wait $sleeper`,
  );
  const consumer = startConsumer(t, q, ['--', handler]);
  const id = sentId(await runCli(['send', q, '--data', 'long']));
  const running = await consumer.waitForLine(/^running \d+$/);
  const handlerPid = Number(running.split(' ')[1]);

  consumer.kill('SIGTERM');
  await consumer.waitForLine(/SIGTERM: finishing the job\(s\) in hand/, { stream: 'stderr' });
  assert.deepEqual(entries(path.join(q, 'processing')), [`raw-${id}.${consumer.pid}`], 'the job is still in hand');
  assert.equal(consumer.child.exitCode, null, 'the consumer waits for its handler');

  process.kill(handlerPid, 'SIGUSR1');
  const r = await consumer.exit();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^SUCCESS ${id} \\d+ms$`, 'm'));
  assert.match(r.stdout, /^finishing$/m);
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${id}`]);
  assert.deepEqual(entries(path.join(q, 'processing')), []);
});

for (const mode of ['pid', 'lock'] as const) {
  test(`consume (${mode} owner) killed with SIGKILL while its handler runs: recover moves the job to interrupted/`, async (t) => {
    const q = queuePath(t, 'consume-kill');
    const lock = mode === 'lock' ? ['--lock'] : [];
    const consumer = startConsumer(t, q, [...lock, '--', 'sh', '-c', 'echo "running $$"; exec sleep 30']);
    const id = sentId(await runCli(['send', q, '--data', 'doomed']));
    const running = await consumer.waitForLine(/^running \d+$/);
    // A SIGKILLed consumer cannot stop its handler (it has a process group of its own): end the sleep it leaves behind.
    t.after(() => killQuietly(Number(running.split(' ')[1])));

    const [dirName] = entries(path.join(q, 'processing'));
    if (mode === 'pid') assert.equal(dirName, `raw-${id}.${consumer.pid}`);
    else assert.match(dirName, new RegExp(`^raw-${id}\\.[^.]+$`));
    const live = await runCli(['recover', q]);
    assert.equal(live.stdout, '0 recovered\n', 'a live consumer keeps its job');

    consumer.kill('SIGKILL');
    const killed = await consumer.exit();
    assert.equal(killed.signal, 'SIGKILL');
    assert.deepEqual(entries(path.join(q, 'processing')), [dirName], 'the job is stranded in processing/');
    assert.equal(jobStatusJson(await runCli(['status', q, id, '--json'])).state, 'PROCESSING');

    const r = await runCli(['recover', q]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `interrupted raw-${id}\n1 recovered\n`);
    assert.deepEqual(entries(path.join(q, 'processing')), []);
    assert.deepEqual(entries(path.join(q, 'interrupted')), [`raw-${id}`]);
    assert.equal(fs.readFileSync(path.join(q, 'interrupted', `raw-${id}`), 'utf8'), 'doomed');

    const s = jobStatusJson(await runCli(['status', q, id, '--json']));
    assert.equal(s.state, 'INTERRUPTED');
    assert.equal(s.attempts, 1);
    assert.match(
      s.reason ?? '',
      mode === 'pid' ? new RegExp(`consumer \\(pid ${consumer.pid}\\) died`) : /consumer \(lock [0-9a-z]{10} on [^,]+, pid \d+\) died/,
    );
  });
}

/** A waiting consumer whose UNTIL_USR1 handler is running a job; everything is killed when the test ends. */
async function consumerWithHandlerInHand(t: TestContext, name: string) {
  const { dir, q } = scratchQueue(t, name);
  const handler = writeScript(dir, 'until-usr1.sh', UNTIL_USR1);
  const consumer = startConsumer(t, q, ['--', handler]);
  const id = sentId(await runCli(['send', q, '--data', 'long']));
  const [, handlerPid, sleeperPid] = (await consumer.waitForLine(/^running \d+ \d+$/)).split(' ').map(Number);
  t.after(() => killQuietly(sleeperPid));
  return { q, consumer, id, handlerPid, sleeperPid };
}

test("consume: Ctrl-C (SIGINT to the terminal's process group) does not kill the job in hand, which finishes as SUCCESS", async (t) => {
  const { q, consumer, id, handlerPid } = await consumerWithHandlerInHand(t, 'consume-ctrl-c');

  consumer.killGroup('SIGINT');
  await consumer.waitForLine(/SIGINT: finishing the job\(s\) in hand/, { stream: 'stderr' });
  assert.ok(pidAlive(handlerPid), 'the handler did not get the Ctrl-C');
  process.kill(handlerPid, 'SIGUSR1');
  const r = await consumer.exit();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^SUCCESS ${id} \\d+ms$`, 'm'));
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${id}`]);
});

test('consume: SIGHUP (a closed terminal, a stopped task) stops the handler and everything it started, and leaves the job to recovery', async (t) => {
  const { q, consumer, id, handlerPid, sleeperPid } = await consumerWithHandlerInHand(t, 'consume-hup');

  consumer.kill('SIGHUP');
  const r = await consumer.exit();
  assert.equal(r.code, 129, r.stderr);
  assert.ok(!pidAlive(handlerPid), 'the handler was stopped');
  assert.ok(!pidAlive(sleeperPid), "the handler's own child was stopped");
  assert.deepEqual(entries(path.join(q, 'processing')), [`raw-${id}.${consumer.pid}`]);
  const rec = await runCli(['recover', q]);
  assert.equal(rec.stdout, `interrupted raw-${id}\n1 recovered\n`);
});

test('consume --timeout stops what the handler started too, not just the handler', async (t) => {
  const { dir, q } = scratchQueue(t, 'consume-timeout-group');
  const handler = writeScript(dir, 'until-usr1.sh', UNTIL_USR1);
  const id = sentId(await runCli(['send', q, '--data', 'slow']));
  const r = await runCli(['consume', q, '--once', '--timeout', '300', '--', handler]);
  const [, , sleeperPid] = r.stdout.match(/^running (\d+) (\d+)$/m)!.map(Number);
  t.after(() => killQuietly(sleeperPid));
  assert.match(r.stdout, new RegExp(`^FAILED ${id} \\d+ms: timed out after 300 ms$`, 'm'));
  assert.ok(!pidAlive(sleeperPid), "the handler's child was stopped with it");
});
