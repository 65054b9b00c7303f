// The crash-loop guard of `consume --persistent` and `--module` (server/src/cli/startGuard.ts):
// a handler that dies before answering any job is a failed start; the next start waits
// (100 ms doubling), and after 5 in a row consume stops claiming and exits 70, the rest queued.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobStatusJson, runCli, sendDataLines, writeScript, type CliResult } from '../support/cli';
import { entries, scratchDir } from '../support/scratch';

const CRASH_LOOP_EXIT = 70;
const STREAK = 5;
/** Bounded time: the four waits are 100 + 200 + 400 + 800 ms; a consumer without the guard never exits. */
const BOUND_MS = 20_000;

const TAB_READ = `tab=$(printf '\\t')
while IFS="$tab" read -r id kind attempt file name <&3; do`;

function warnings(r: CliResult): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('pacchettino: warning: the handler died before answering any job'));
}

/** What a tripped guard leaves: the first STREAK jobs FAILED (claimed oldest first), the others queued as they were. */
function assertTripped(q: string, ids: string[], r: CliResult, reason: RegExp): void {
  assert.equal(r.code, CRASH_LOOP_EXIT, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /the handler died before answering any job 5 times in a row \(last: .+\); consume stopped taking jobs, the rest stays queued/);
  assert.match(
    r.stderr.split('\n').find((l) => l.includes('5 times in a row'))!,
    reason,
  );
  assert.deepEqual(
    entries(path.join(q, 'failed')),
    ids
      .slice(0, STREAK)
      .map((id) => `raw-${id}`)
      .sort(),
  );
  assert.deepEqual(
    entries(path.join(q, 'queued')),
    ids
      .slice(STREAK)
      .map((id) => `raw-${id}`)
      .sort(),
  );
  assert.deepEqual(entries(path.join(q, 'processing')), []);
  // Once per start that follows a failed one, with the doubling wait, printable.
  const lines = warnings(r);
  assert.deepEqual(
    lines.map((l) => /next start in (\d+) ms \((\d+) in a row; consume stops at 5\)$/.exec(l)?.slice(1)),
    [
      ['100', '1'],
      ['200', '2'],
      ['400', '3'],
      ['800', '4'],
    ],
    r.stderr,
  );
  for (const l of lines) assert.match(l, reason);
  assert.ok(!r.stderr.includes('\x1b'), 'no raw escape reaches the terminal');
}

for (const [what, body, reason] of [
  ['exits 1 as it starts', 'exit 1', /the handler exited with code 1/],
  [
    'writes an escape sequence on fd 3 instead of an answer',
    `${TAB_READ}\n  printf 'oops\\033[2J\\n' >&3; sleep 30\ndone`,
    /the handler wrote "oops\\+e\[2J" on fd 3/,
  ],
] as const) {
  test(`consume --persistent: a handler that ${what} fails 5 jobs with the reason, backing off, then consume exits 70 and the rest stays queued`, async (t) => {
    const dir = scratchDir(t, 'crashloop-persistent');
    const q = path.join(dir, 'q');
    const starts = path.join(dir, 'starts.log');
    const handler = writeScript(dir, 'broken.sh', `date +%s%N >> "${starts}"\n${body}`);
    const ids = await sendDataLines(
      q,
      Array.from({ length: 8 }, (_, i) => `job ${i}`),
    );
    // No --once: without the guard this consumer would fail every job, then wait for more, forever.
    const r = await runCli(['consume', q, '--persistent', '--', handler], { timeoutMs: BOUND_MS });
    assertTripped(q, ids, r, reason);
    assert.match(jobStatusJson(await runCli(['status', q, ids[0], '--json'])).reason ?? '', reason);
    // The waits are real: each start is at least its backoff after the one before.
    const at = fs
      .readFileSync(starts, 'utf8')
      .trim()
      .split('\n')
      .map((ns) => Number(BigInt(ns) / 1_000_000n));
    assert.equal(at.length, STREAK);
    [100, 200, 400, 800].forEach((ms, i) => assert.ok(at[i + 1] - at[i] >= ms, `start ${i + 2} came ${at[i + 1] - at[i]} ms after the one before, not ${ms}`));
  });
}

test('consume --persistent: a handler whose interpreter is missing (spawn ENOENT) trips the guard too: exit 70, 5 FAILED, the rest queued', async (t) => {
  const dir = scratchDir(t, 'crashloop-interpreter');
  const q = path.join(dir, 'q');
  const handler = path.join(dir, 'handler.py');
  fs.writeFileSync(handler, '#!/no/such/python3\nprint("never")\n', { mode: 0o755 });
  const ids = await sendDataLines(
    q,
    Array.from({ length: 7 }, (_, i) => `job ${i}`),
  );
  const r = await runCli(['consume', q, '--persistent', '--', handler], { timeoutMs: BOUND_MS });
  assertTripped(q, ids, r, /cannot run .*handler\.py: .*ENOENT/);
});

test('consume --persistent --concurrency 3: the streak is the consumer’s; at most one job per other runner is FAILED past it, the rest stays queued', async (t) => {
  const dir = scratchDir(t, 'crashloop-concurrency');
  const q = path.join(dir, 'q');
  const handler = writeScript(dir, 'broken.sh', 'exit 1');
  const ids = await sendDataLines(
    q,
    Array.from({ length: 12 }, (_, i) => `job ${i}`),
  );
  const r = await runCli(['consume', q, '--persistent', '--concurrency', '3', '--', handler], { timeoutMs: BOUND_MS });
  assert.equal(r.code, CRASH_LOOP_EXIT, r.stderr);
  const failed = entries(path.join(q, 'failed'));
  assert.ok(failed.length >= STREAK && failed.length <= STREAK + 2, `${failed.length} failed`);
  assert.deepEqual([...failed, ...entries(path.join(q, 'queued'))].sort(), ids.map((id) => `raw-${id}`).sort());
  assert.deepEqual(entries(path.join(q, 'processing')), []);
});

test('consume --persistent: handlers that answer some jobs and crash on others are never stopped by the guard; each answer ends the streak', async (t) => {
  const dir = scratchDir(t, 'crashloop-flaky');
  const q = path.join(dir, 'q');
  const count = path.join(dir, 'starts');
  // Odd starts die on their first job (a failed start); even ones answer it and die on the next.
  const handler = writeScript(
    dir,
    'flaky.sh',
    `n=$(( $(cat "${count}" 2>/dev/null || echo 0) + 1 )); echo $n > "${count}"
answered=0
${TAB_READ}
  if [ $((n % 2)) = 1 ] || [ $answered = 1 ]; then exit 3; fi
  echo SUCCESS >&3; answered=1
done`,
  );
  const ids = await sendDataLines(
    q,
    Array.from({ length: 15 }, (_, i) => `job ${i}`),
  );
  const r = await runCli(['consume', q, '--once', '--persistent', '--', handler], { timeoutMs: BOUND_MS });
  // Ten handlers died, five of them before answering: more than the streak, never in a row.
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /5 succeeded, 10 failed, 0 to retry/);
  assert.doesNotMatch(r.stderr, /times in a row/);
  assert.deepEqual(
    warnings(r).map((l) => /next start in (\d+) ms \((\d+) in a row/.exec(l)?.slice(1)),
    Array.from({ length: 5 }, () => ['100', '1']),
    r.stderr,
  );
  assert.deepEqual(entries(path.join(q, 'queued')), []);
  assert.equal(entries(path.join(q, 'failed')).length + entries(path.join(q, 'success')).length, ids.length);
});

test('consume --persistent --timeout: once a handler has answered, first jobs that outlive --timeout are slow jobs, not failed starts; a --timeout no job meets still trips, worded for it', async (t) => {
  const dir = scratchDir(t, 'crashloop-timeout');
  const q = path.join(dir, 'q');
  // A fast job answers; a slow one outlives --timeout, so each slow job ends its handler on its first job.
  const handler = writeScript(dir, 'slow.sh', `${TAB_READ}\n  if [ "$(cat "$file")" = fast ]; then echo SUCCESS >&3; else sleep 30; fi\ndone`);
  const ids = await sendDataLines(q, ['fast', ...Array.from({ length: 6 }, () => 'slow')]);
  const r = await runCli(['consume', q, '--once', '--persistent', '--timeout', '200ms', '--', handler], { timeoutMs: BOUND_MS });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /1 succeeded, 6 failed, 0 to retry/);
  for (const id of ids.slice(1)) assert.match(r.stdout, new RegExp(`^FAILED ${id} \\d+ms: timed out after 200 ms$`, 'm'), r.stdout);
  assert.doesNotMatch(r.stderr, /warning: the handler|times in a row/);
  assert.deepEqual(entries(path.join(q, 'queued')), []);

  // No job ever answered in this run: a timeout on each first job is a failed start.
  const q2 = path.join(dir, 'q2');
  await sendDataLines(
    q2,
    Array.from({ length: 6 }, () => 'slow'),
  );
  const r2 = await runCli(['consume', q2, '--persistent', '--timeout', '200ms', '--', handler], { timeoutMs: BOUND_MS });
  assert.equal(r2.code, CRASH_LOOP_EXIT, r2.stderr);
  assert.match(
    r2.stderr,
    /warning: the handler timed out on its first job, and no handler has answered a job yet \(timed out after 200 ms\); next start in 100 ms/,
  );
  assert.match(r2.stderr, /the handler died or timed out before answering any job 5 times in a row \(last: timed out after 200 ms\)/);
  assert.equal(entries(path.join(q2, 'queued')).length, 1);
});

test('consume --module --timeout: once a thread has answered, first jobs of new threads that outlive --timeout are slow jobs, not failed starts', async (t) => {
  const dir = scratchDir(t, 'crashloop-module-timeout');
  const q = path.join(dir, 'q');
  const handler = path.join(dir, 'slow.js');
  fs.writeFileSync(handler, `module.exports = (job) => (job.data.toString() === 'fast' ? 'SUCCESS' : new Promise(() => {}));`);
  const ids = await sendDataLines(q, ['fast', ...Array.from({ length: 6 }, () => 'slow')]);
  const r = await runCli(['consume', q, '--once', '--module', handler, '--timeout', '200ms'], { timeoutMs: BOUND_MS });
  assert.equal(r.code, 1, r.stderr);
  for (const id of ids.slice(1)) assert.match(r.stdout, new RegExp(`^FAILED ${id} \\d+ms: timed out after 200 ms$`, 'm'), r.stdout);
  assert.doesNotMatch(r.stderr, /warning: the handler|times in a row/);
});

test('consume --module: a thread that exits before answering, then a module that throws as it loads again, trip the guard: exit 70, 5 FAILED, the rest queued', async (t) => {
  const dir = scratchDir(t, 'crashloop-module');
  const q = path.join(dir, 'q');
  const count = path.join(dir, 'loads');
  const handler = path.join(dir, 'broken.js');
  // The first load works (so it is no usage error) and its function ends the thread; every later load throws.
  fs.writeFileSync(
    handler,
    `const fs = require('node:fs');
const n = Number(fs.existsSync(${JSON.stringify(count)}) ? fs.readFileSync(${JSON.stringify(count)}, 'utf8') : 0) + 1;
fs.writeFileSync(${JSON.stringify(count)}, String(n));
if (n > 1) throw new Error('missing config');
module.exports = () => process.exit(2);`,
  );
  const ids = await sendDataLines(
    q,
    Array.from({ length: 8 }, (_, i) => `job ${i}`),
  );
  const r = await runCli(['consume', q, '--module', handler], { timeoutMs: BOUND_MS });
  assert.match(warnings(r)[0] ?? r.stderr, /\(the handler's thread exited with code 2\)/);
  assertTripped(q, ids, r, /cannot load .*broken\.js: missing config|the handler's thread exited with code 2/);
  assert.match(
    r.stderr.split('\n').find((l) => l.includes('5 times in a row'))!,
    /last: cannot load .*missing config/,
  );
  assert.equal(jobStatusJson(await runCli(['status', q, ids[0], '--json'])).reason, "the handler's thread exited with code 2");
});
