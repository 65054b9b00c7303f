// Handlers that do unusual things, run for real by the CLI's consume (and the library):
// one that moves its payload away, one that leaves children behind (in its group, ignoring
// SIGTERM, or detached on purpose with setsid), one that writes far more output than our
// stdout takes, and consumers starved of file descriptors. A job ends when its handler
// exits; no job is held, lost, failed without having run, or retried for nothing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JobNotStarted, Pacchettino, type Job, type JobEvent } from 'pacchettino';
import { scratchDir, entries } from '../support/scratch';
import { CLI_MAIN, runCli, startConsumer, writeScript } from '../support/cli';
import { exitOf, pidAlive } from '../support/processes';

/** Polls `check` every 20 ms until it holds or `ms` pass (nothing signals a process's death to a non-parent). */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function readPid(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

/**
 * Kills, when the test ends, the processes whose pids handlers wrote to these files: the
 * ones our tests leave outside any group we kill. Call it before scratchDir, so this hook
 * runs before the one that removes the files.
 */
function reapPidsIn(t: TestContext): (file: string) => string {
  const files: string[] = [];
  t.after(() => {
    for (const file of files) {
      if (!fs.existsSync(file)) continue;
      const pid = readPid(file);
      if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
  return (file) => {
    files.push(file);
    return file;
  };
}

test(
  'a handler that moves its payload away: the job is filed in its result state (an empty marker), no warning, no retries',
  { timeout: 120_000 },
  async (t) => {
    const dir = scratchDir(t, 'moved-payload');
    const base = path.join(dir, 'q');
    const away = path.join(dir, 'away');
    fs.mkdirSync(away);
    const q = new Pacchettino(base);
    t.after(() => q.close());
    const answers = ['SUCCESS', 'FAILED', 'RETRY'] as const;
    const ids = answers.map((a) => q.sendData(`a job answering ${a}`));
    const warnings: Error[] = [];
    q.on('warning', (e: Error) => warnings.push(e));
    q.onJob = (job: Job) => {
      fs.renameSync(job.path, path.join(away, job.id));
      return answers[ids.indexOf(job.id)];
    };
    assert.equal(await q.receive(), 3);
    assert.deepEqual(warnings, [], 'no "stays in processing/" warning');
    assert.deepEqual(entries(q.layout.processing), [], 'nothing left in processing/');
    assert.equal(q.status(ids[0]), 'SUCCESS');
    assert.equal(q.status(ids[1]), 'FAILED');
    // Nothing is left to retry: the job fails and says why.
    assert.equal(q.status(ids[2]), 'FAILED');
    assert.match(q.details(ids[2])?.record?.reason ?? '', /payload is gone .*nothing left to retry/);
    for (const id of ids) assert.equal(fs.statSync(path.join(base, q.status(id).toLowerCase(), `raw-${id}`)).size, 0, 'an empty marker');
    assert.deepEqual(entries(away).sort(), [...ids].sort(), "the handler's moves stand");

    // The CLI, many jobs: each prints SUCCESS once, and none is held back for a retry.
    const cliBase = path.join(dir, 'cli-q');
    const cq = new Pacchettino(cliBase);
    const cliIds = Array.from({ length: 200 }, (_, i) => cq.sendData(`job ${i}`));
    const mover = writeScript(dir, 'mover.sh', `mv "$PACCHETTINO_JOB_FILE" "${away}/$PACCHETTINO_JOB_ID"`);
    const r = await runCli(['consume', cliBase, '--once', '--', mover], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /stays in processing/);
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('SUCCESS ')).length, 200, r.stdout.slice(-2000));
    assert.deepEqual(entries(cq.layout.processing), []);
    for (const id of cliIds) assert.equal(cq.status(id), 'SUCCESS', id);
  },
);

test("a handler's background child in its group ends with the job: SIGTERM at once, SIGKILL after the grace", { timeout: 60_000 }, async (t) => {
  const reap = reapPidsIn(t);
  const dir = scratchDir(t, 'bg-child');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const plain = q.sendData('leaves sleep 12 behind');
  const stubborn = q.sendData('leaves a child that ignores SIGTERM');
  const handler = writeScript(
    dir,
    'leaver.sh',
    // Each child writes its pid once it is set up (the trap in place), and the handler waits for that.
    `pidfile="${dir}/child-$PACCHETTINO_JOB_ID"
if [ "$PACCHETTINO_JOB_ID" = "${plain}" ]; then sh -c "echo \\$\\$ > $pidfile; exec sleep 12" &
else sh -c "trap '' TERM; echo \\$\\$ > $pidfile; exec sleep 12" &
fi
while [ ! -s "$pidfile" ]; do sleep 0.01; done
exit 0`,
  );
  // The children are in their handlers' groups, not the consumer's (each handler leads its own).
  for (const id of [plain, stubborn]) reap(path.join(dir, `child-${id}`));
  const consumer = startConsumer(t, base, ['--', handler]);
  const started = Date.now();
  await consumer.waitForLine(new RegExp(`^SUCCESS ${plain} `), { timeoutMs: 4000 });
  await consumer.waitForLine(new RegExp(`^SUCCESS ${stubborn} `), { timeoutMs: 4000 });
  assert.ok(Date.now() - started < 4000, 'the jobs ended when their handlers exited, not when the children did');
  const plainChild = readPid(path.join(dir, `child-${plain}`));
  const stubbornChild = readPid(path.join(dir, `child-${stubborn}`));
  assert.ok(await eventually(() => !pidAlive(plainChild), 2000), 'the background sleep got SIGTERM with the job');
  assert.ok(pidAlive(stubbornChild), 'a child ignoring SIGTERM lives on through the grace period');
  assert.ok(await eventually(() => !pidAlive(stubbornChild), 8000), '... and then gets SIGKILL');
  assert.equal(q.status(plain), 'SUCCESS');
  assert.equal(q.status(stubborn), 'SUCCESS');
  consumer.kill('SIGTERM');
  assert.equal((await consumer.exit()).code, 0);
});

test('a handler that starts a daemon (setsid, holding our pipes): the job ends with the handler; the daemon is left alone', { timeout: 60_000 }, async (t) => {
  const reap = reapPidsIn(t);
  const dir = scratchDir(t, 'daemon');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const id = q.sendData('starts a daemon');
  const pidFile = reap(path.join(dir, 'daemon'));
  // The daemon writes its pid once it has its own session; the handler waits for that.
  const handler = writeScript(
    dir,
    'daemon.sh',
    `setsid sh -c 'echo $$ > "${pidFile}"; exec sleep 30' &\nwhile [ ! -s "${pidFile}" ]; do sleep 0.01; done\necho handler done\nexit 0`,
  );
  const r = await runCli(['consume', base, '--once', '--', handler], { timeoutMs: 5000 });
  const daemon = readPid(pidFile);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^handler done$/m, "the handler's own output is all there");
  assert.match(r.stdout, new RegExp(`^SUCCESS ${id} `, 'm'));
  assert.ok(pidAlive(daemon), 'a process that left the group on purpose is not ours to kill');
});

test("a handler's output is passed through with backpressure: 400 MB into a stalled stdout costs no memory", { timeout: 120_000 }, async (t) => {
  const dir = scratchDir(t, 'output');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const id = q.sendData('talks a lot');
  const total = 400_000_000;
  const child = spawn(process.execPath, [CLI_MAIN, 'consume', base, '--once', '--', 'sh', '-c', `head -c ${total} /dev/zero`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  // Our reader stalls for 3 s: the consumer must stall its handler, not buffer what it writes.
  child.stdout.pause();
  let peakKb = 0;
  const rss = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      peakKb = Math.max(peakKb, kb);
    } catch {
      /* exited */
    }
    return false;
  };
  await eventually(rss, 3000);
  let bytes = 0;
  let tail = '';
  child.stdout.on('data', (b: Buffer) => {
    bytes += b.length;
    rss();
    tail = (tail + b.toString('latin1')).slice(-500);
  });
  child.stdout.resume();
  const exit = await exitOf(child);
  assert.equal(exit.code, 0, stderr);
  assert.ok(peakKb < 150_000, `the consumer's RSS peaked at ${Math.round(peakKb / 1024)} MB`);
  assert.ok(bytes > total, `all ${total} bytes were passed through (got ${bytes})`);
  assert.match(tail, new RegExp(`SUCCESS ${id} `));
});

test(
  'a library handler that throws JobNotStarted: the job is back in queued/ as it was, no attempt counted, the event says so',
  { timeout: 60_000 },
  async (t) => {
    const base = path.join(scratchDir(t, 'not-started'), 'q');
    const q = new Pacchettino(base);
    t.after(() => q.close());
    const id = q.sendData('cannot start yet');
    const events: JobEvent[] = [];
    q.on('job', (e) => events.push(e));
    const attempts: number[] = [];
    q.onJob = (job: Job) => {
      attempts.push(job.attempt);
      if (attempts.length === 1) throw new JobNotStarted('no room for a handler process now');
      return 'SUCCESS';
    };
    assert.equal(await q.receiveOne({ randomize: false }), true);
    assert.equal(q.status(id), 'QUEUED');
    assert.equal(q.details(id)?.record, undefined, 'no record: nothing ran');
    assert.equal(fs.readFileSync(path.join(base, 'queued', `raw-${id}`), 'utf8'), 'cannot start yet');
    assert.equal(events[0].notStarted, true);
    assert.equal(await q.receiveOne({ randomize: false }), true);
    assert.deepEqual(attempts, [1, 1], 'the run that happened is the first attempt');
    assert.equal(q.status(id), 'SUCCESS');
  },
);

for (const limit of [32, 28]) {
  test(
    `out of file descriptors (ulimit -n ${limit}, --concurrency 4): jobs that could not start go back to queued, uncounted; the consumer backs off and goes on`,
    { timeout: 120_000 },
    async (t) => {
      const dir = scratchDir(t, 'emfile');
      const base = path.join(dir, 'q');
      const q = new Pacchettino(base);
      const ids = Array.from({ length: 20 }, (_, i) => q.sendData(`job ${i}`));
      // The CLI under sh with the limit set; its own group, so its handlers die with it.
      const starved = spawn(
        'sh',
        ['-c', `ulimit -n ${limit} && exec "${process.execPath}" "${CLI_MAIN}" consume "${base}" --concurrency 4 -- sh -c 'cat >/dev/null'`],
        { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      );
      t.after(() => {
        try {
          process.kill(-starved.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      });
      let out = '';
      let err = '';
      starved.stdout.on('data', (b: Buffer) => (out += b.toString()));
      starved.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const allDone = await eventually(() => entries(q.layout.success).length === ids.length || starved.exitCode !== null, 90_000);
      assert.ok(allDone, `not every job succeeded within 90 s:\n${out.slice(-2000)}\n${err.slice(-2000)}`);
      assert.equal(starved.exitCode, null, `the consumer died:\n${err.slice(-3000)}`);
      starved.kill('SIGTERM');
      const exit = await exitOf(starved);
      assert.equal(exit.code, 0, err.slice(-3000));
      assert.doesNotMatch(out, /^FAILED /m, 'no job failed for want of a descriptor');
      assert.doesNotMatch(err + out, /Cannot read properties/);
      for (const id of ids) {
        assert.equal(q.status(id), 'SUCCESS', id);
        assert.equal(q.details(id)?.record, undefined, `${id}: a start that failed is not an attempt`);
      }
      // 28 leaves a Node 20 consumer (~20 descriptors of its own) less than four starts' worth:
      // the not-started path ran, and the consumer came through it.
      if (limit === 28) assert.match(out, /not started: back in queued/, 'some starts failed for want of descriptors');
    },
  );
}
