import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobStatusJson, runCli, sendDataLines, sentId, startConsumer, writeScript } from '../support/cli';
import { entries, scratchQueue } from '../support/scratch';
import { pidAlive } from '../support/processes';
import { setTimeout as delay } from 'node:timers/promises';
import { waitForPath } from '../support/waitFor';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');
/** Debian's own python3: the one on PATH may be a version manager's shim. */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const TAB_READ = `tab=$(printf '\\t')
while IFS="$tab" read -r id kind attempt file name <&3; do`;

/**
 * A --persistent handler in `dir` that prints "started <pid>" as it starts, and for each job
 * line appends `logged` (say `$id`) to runs.log before it runs `perJob`: the log shows which
 * jobs were handed over, and how often.
 */
function loggingHandler(dir: string, name: string, logged: string, perJob: string): { handler: string; runs: string } {
  const runs = path.join(dir, 'runs.log');
  const handler = writeScript(dir, name, `echo "started $$"\n${TAB_READ}\n  echo "${logged}" >> "${runs}"\n${perJob}\ndone`);
  return { handler, runs };
}

for (const [example, command] of [
  ['shell', [path.join(EXAMPLES, 'persistent-handler.sh')]],
  ['Python', [PYTHON, path.join(EXAMPLES, 'persistent-handler.py')]],
] as const) {
  test(`consume --persistent: the ${example} example of the README handles data and file jobs over the line protocol, in one process`, async (t) => {
    const { dir, q } = scratchQueue(t, `persistent-${example}`);
    const [hello, empty] = await sendDataLines(q, ['hello world', '']);
    const file = path.join(dir, 'two words é.txt');
    fs.writeFileSync(file, 'two words\n');
    const fileId = sentId(await runCli(['send', q, '--file', file]));

    const r = await runCli(['consume', q, '--once', '--persistent', '--', ...command]);
    // The Python example fails an empty job; the shell one counts its words (0).
    const emptyFails = example === 'Python';
    assert.equal(r.code, emptyFails ? 1 : 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^SUCCESS ${hello} \\d+ms$`, 'm'));
    assert.match(r.stdout, new RegExp(`^SUCCESS ${fileId} \\d+ms$`, 'm'));
    assert.match(r.stderr, emptyFails ? /2 succeeded, 1 failed, 0 to retry/ : /3 succeeded, 0 failed, 0 to retry/);
    const succeeded = [`fle-${fileId}-two words é.txt`, `raw-${hello}`, ...(emptyFails ? [] : [`raw-${empty}`])];
    assert.deepEqual(entries(path.join(q, 'success')).sort(), succeeded.sort());
    assert.deepEqual(entries(path.join(q, 'processing')), []);
    // Its log is the job's output; the name and attempt came in the job's line.
    assert.match(r.stdout, new RegExp(`^${fileId} \\(file two words é\\.txt, attempt 1\\): `, 'm'));
    if (example === 'Python') {
      assert.match(r.stdout, new RegExp(`^FAILED ${empty} \\d+ms: empty payload$`, 'm'));
      assert.equal(jobStatusJson(await runCli(['status', q, empty, '--json'])).reason, 'empty payload');
    } else {
      assert.match(r.stdout, new RegExp(`^${empty} \\(data, attempt 1\\): 0 words$`, 'm'));
    }
  });
}

test('consume --persistent: one handler process for every job, PROGRESS lines shown while the job runs', async (t) => {
  const { dir, q } = scratchQueue(t, 'persistent-progress');
  const handler = writeScript(
    dir,
    'progress.sh',
    `echo "handler $$"
${TAB_READ}
  trap 'kill $sleeper 2>/dev/null' USR1
  echo "PROGRESS 42 resizing" >&3
  sleep 30 & sleeper=$!
  echo "running $id"
  wait $sleeper
  echo SUCCESS >&3
done`,
  );
  const [first, second] = await sendDataLines(q, ['a', 'b']);
  const consumer = startConsumer(t, q, ['--persistent', '--', handler]);
  const handlerPid = Number((await consumer.waitForLine(/^handler \d+$/)).split(' ')[1]);
  await consumer.waitForLine(new RegExp(`^running ${first}$`));
  // The consumer writes the progress file as the line comes: bounded polling of the file until it is there.
  const file = path.join(q, '.pacchettino', 'progress', first);
  await waitForPath(file);
  for (let i = 0; i < 100 && !fs.readFileSync(file, 'utf8').includes('resizing\n'); i++) await delay(20);
  const details = jobStatusJson(await runCli(['status', q, first, '--json']));
  assert.deepEqual({ percent: details.progress?.percent, message: details.progress?.message }, { percent: 42, message: 'resizing' });

  process.kill(handlerPid, 'SIGUSR1');
  await consumer.waitForLine(new RegExp(`^running ${second}$`));
  process.kill(handlerPid, 'SIGUSR1');
  await consumer.waitForLine(new RegExp(`^SUCCESS ${second} \\d+ms$`));
  assert.equal(consumer.lines().filter((l) => /^handler \d+$/.test(l)).length, 1, 'the handler was started once');
  consumer.kill('SIGTERM');
  const r = await consumer.exit();
  assert.equal(r.code, 0, r.stderr);
});

test('consume --persistent: a handler that exits, closes fd 3, writes garbage or hangs past --timeout is restarted; its job FAILED with why, the next one succeeds, none lost or run twice', async (t) => {
  const { dir, q } = scratchQueue(t, 'persistent-misbehave');
  const { handler, runs } = loggingHandler(
    dir,
    'moody.sh',
    '$id',
    `  case $(cat "$file") in
    exit) echo "leaving"; exit 3 ;;
    close) exec 3>&-; sleep 30 ;;
    garbage) echo "hello there" >&3 ;;
    hang) sleep 30 ;;
    retry) echo "RETRY busy" >&3 ;;
    answer-then-exit) echo SUCCESS >&3; exit 0 ;;
    *) echo SUCCESS >&3 ;;
  esac`,
  );
  const kinds = ['ok', 'exit', 'ok', 'close', 'ok', 'garbage', 'ok', 'hang', 'ok', 'retry', 'answer-then-exit', 'after-exit', 'ok'];
  const ids = await sendDataLines(q, kinds);
  const r = await runCli(['consume', q, '--once', '--persistent', '--timeout', '1s', '--', handler], { timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stderr);
  const lineOf = (id: string) => r.stdout.split('\n').find((l) => l.includes(` ${id} `) && /^(SUCCESS|FAILED|RETRY) /.test(l));
  const expected: Record<string, RegExp> = {
    exit: /^FAILED \S+ \d+ms exit 3: the handler exited with code 3 before answering$/,
    close: /^FAILED \S+ \d+ms: the handler closed fd 3 before answering$/,
    garbage: /^FAILED \S+ \d+ms: the handler wrote "hello there" on fd 3, which is not a result/,
    hang: /^FAILED \S+ \d+ms: timed out after 1000 ms$/,
    retry: /^RETRY \S+ \d+ms: busy$/,
    // The next job's line is written as soon as the answer is in: a handler that exits right
    // after answering may have taken it (it cannot be told whether it read it), so that job
    // either runs in a new handler or FAILED as the handler's, never run twice.
    'after-exit': /^(SUCCESS \S+ \d+ms|FAILED \S+ \d+ms: the handler exited with code 0 before answering)$/,
  };
  kinds.forEach((kind, i) => assert.match(lineOf(ids[i]) ?? `(no line for ${kind})`, expected[kind] ?? /^SUCCESS /, `${kind}:\n${r.stdout}\n${r.stderr}`));
  // One start, and one more after each of exit, close, garbage, hang and answer-then-exit.
  assert.equal(r.stdout.split('\n').filter((l) => /^started \d+$/.test(l)).length, 6, r.stdout);
  if (lineOf(ids[kinds.indexOf('after-exit')])!.startsWith('SUCCESS')) {
    assert.match(r.stderr, /the handler \(pid \d+\) exited with code 0 between jobs; the next job starts a new one/);
  }
  const afterExitFailed = lineOf(ids[kinds.indexOf('after-exit')])!.startsWith('FAILED') ? 1 : 0;
  // Each job was handed over once: none run twice, none lost (the one a dying handler took, if any, never ran).
  const handedOver = afterExitFailed ? ids.filter((_, i) => kinds[i] !== 'after-exit') : ids;
  assert.deepEqual(fs.readFileSync(runs, 'utf8').trim().split('\n'), handedOver);
  assert.deepEqual(entries(path.join(q, 'processing')), []);
  assert.equal(entries(path.join(q, 'failed')).length, 4 + afterExitFailed);
  assert.equal(entries(path.join(q, 'success')).length, 8 - afterExitFailed);
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${ids[kinds.indexOf('retry')]}`]);
  // The exited handler's output is the job's record.
  const exited = jobStatusJson(await runCli(['status', q, ids[1], '--json']));
  assert.equal(exited.attempts, 1);
  assert.match(exited.record?.output ?? '', /leaving/);
});

test('consume --persistent: SIGTERM finishes the job in hand, then closes fd 3 and the handler exits by itself', async (t) => {
  const { dir, q } = scratchQueue(t, 'persistent-term');
  const handler = writeScript(
    dir,
    'until-usr1.sh',
    `echo "handler $$"
${TAB_READ}
  trap 'kill $sleeper 2>/dev/null' USR1
  sleep 30 >/dev/null 2>&1 & sleeper=$!
  echo "running $id"
  wait $sleeper
  echo SUCCESS >&3
done
echo "handler $$ read the end"`,
  );
  const consumer = startConsumer(t, q, ['--persistent', '--', handler]);
  const [id] = await sendDataLines(q, ['long']);
  const handlerPid = Number((await consumer.waitForLine(/^handler \d+$/)).split(' ')[1]);
  await consumer.waitForLine(new RegExp(`^running ${id}$`));

  consumer.kill('SIGTERM');
  await consumer.waitForLine(/SIGTERM: finishing the job\(s\) in hand/, { stream: 'stderr' });
  assert.equal(entries(path.join(q, 'processing')).length, 1, 'the job is still in hand');
  assert.ok(pidAlive(handlerPid));

  process.kill(handlerPid, 'SIGUSR1');
  const r = await consumer.exit();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^SUCCESS ${id} \\d+ms$`, 'm'));
  assert.match(r.stdout, new RegExp(`^handler ${handlerPid} read the end$`, 'm'));
  assert.ok(!pidAlive(handlerPid), 'the handler is gone');
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${id}`]);
  assert.deepEqual(entries(path.join(q, 'processing')), []);
});

test('consume --persistent --concurrency 3: three handler processes, 30 jobs each handled exactly once', async (t) => {
  const { dir, q } = scratchQueue(t, 'persistent-concurrency');
  const { handler, runs } = loggingHandler(dir, 'count.sh', '$id $$', '  echo SUCCESS >&3');
  const ids = await sendDataLines(
    q,
    Array.from({ length: 30 }, (_, i) => `job ${i}`),
  );
  const r = await runCli(['consume', q, '--once', '--persistent', '--concurrency', '3', '--', handler]);
  assert.equal(r.code, 0, r.stderr);
  const ran = fs.readFileSync(runs, 'utf8').trim().split('\n');
  assert.deepEqual(ran.map((l) => l.split(' ')[0]).sort(), [...ids].sort());
  assert.equal(r.stdout.split('\n').filter((l) => /^started \d+$/.test(l)).length, 3);
  assert.ok(new Set(ran.map((l) => l.split(' ')[1])).size <= 3);
  assert.equal(entries(path.join(q, 'success')).length, 30);
});
