// consume --module when things go wrong around the module's function: bad flags or queue,
// a progress note that cannot be written, an answer its thread cannot post.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, sendDataLines, startConsumer, writeModule } from '../support/cli';
import { entries, scratchQueue } from '../support/scratch';

/** A consumer that left its threads running would never exit: a bound, not a wait. */
const BOUND_MS = 10_000;

test('consume --module: a queue path that is a file, a bad --max-attempts or --retry-delay is an error that exits, no thread left behind', async (t) => {
  const { dir, q } = scratchQueue(t, 'module-bad-flags');
  const handler = writeModule(dir, 'ok.js', `module.exports = async () => 'SUCCESS';`);
  const notAQueue = path.join(dir, 'a-file');
  fs.writeFileSync(notAQueue, '');
  const [id] = await sendDataLines(q, ['waiting']);
  for (const [args, code, message] of [
    [[notAQueue], 73, /is not a directory: choose another path or remove the file/],
    [[q, '--max-attempts', '-1'], 64, /--max-attempts must be a whole number from 0 to/],
    [[q, '--retry-delay', 'soon'], 64, /--retry-delay: not a duration: "soon"/],
  ] as const) {
    const r = await runCli(['consume', ...args, '--module', handler], { timeoutMs: BOUND_MS });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${id}`], 'nothing claimed');
});

test('consume --module: a progress note that cannot be written is a warning; the job goes on and each job gets its own answer', async (t) => {
  const { dir, q } = scratchQueue(t, 'module-progress-enotdir');
  const release = path.join(dir, 'release');
  // Job a makes .pacchettino/progress a file, reports, then waits: for b to start (it
  // would, were a settled by its failed note while its function runs on) or for the test to
  // release it (bounded polling of a file: nothing else signals a thread here). b answers
  // only after a's answer is posted, so an answer taken for the wrong job would show.
  const handler = writeModule(
    dir,
    'notes.js',
    `const fs = require('node:fs');
const progress = ${JSON.stringify(path.join(q, '.pacchettino', 'progress'))};
let bStarted;
const b = new Promise((resolve) => (bStarted = resolve));
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
module.exports = async (job) => {
  if (job.data.toString() === 'a') {
    fs.rmSync(progress, { recursive: true, force: true });
    fs.writeFileSync(progress, 'not a folder');
    job.progress(10, 'first');
    let started = false;
    b.then(() => (started = true));
    for (let i = 0; i < 500 && !started && !fs.existsSync(${JSON.stringify(release)}); i++) await tick();
    return { result: 'FAILED', reason: 'answer of job a' };
  }
  bStarted();
  await new Promise((resolve) => setImmediate(resolve));
  await tick();
  return { result: 'FAILED', reason: 'answer of job b' };
};`,
  );
  const [a, b] = await sendDataLines(q, ['a', 'b']);
  const consumer = startConsumer(t, q, ['--once', '--module', handler]);
  const warned = consumer
    .waitForLine(/^pacchettino: warning: .*writing the progress of job/, { stream: 'stderr' })
    .then(() => fs.writeFileSync(release, ''))
    .catch(() => undefined);
  const r = await consumer.exit(BOUND_MS);
  await warned;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`^FAILED ${a} \\d+ms: answer of job a$`, 'm'), r.stdout);
  assert.match(r.stdout, new RegExp(`^FAILED ${b} \\d+ms: answer of job b$`, 'm'), r.stdout);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('writing the progress of job'));
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0], new RegExp(`raw-${a} \\(the job goes on without it\\).*ENOTDIR`));
  assert.deepEqual(entries(path.join(q, 'processing')), []);
});

test('consume --module: an answer holding what a thread cannot post (the job, a function) is filed; a non-Error thrown outside the job reads as itself; no failed start', async (t) => {
  const { dir, q } = scratchQueue(t, 'module-unpostable');
  const handler = writeModule(
    dir,
    'unpostable.js',
    `module.exports = async (job) => {
  switch (job.data.toString()) {
    case 'with-job': return { result: 'SUCCESS', reason: 'fine', job };
    case 'with-function': return { result: 'RETRY', reason: 'later', again: () => 'RETRY' };
    case 'non-error': setTimeout(() => { throw { code: 42 }; }); return new Promise(() => {});
    default: return 'SUCCESS';
  }
};`,
  );
  const kinds = ['with-job', 'with-function', 'ok', 'non-error', 'ok'];
  const ids = await sendDataLines(q, kinds);
  const r = await runCli(['consume', q, '--once', '--module', handler], { timeoutMs: BOUND_MS });
  assert.equal(r.code, 1, r.stderr);
  const expected = [
    /^SUCCESS \S+ \d+ms$/,
    /^RETRY \S+ \d+ms: later$/,
    /^SUCCESS \S+ \d+ms$/,
    /^FAILED \S+ \d+ms: the handler's thread died: \{ code: 42 \}$/,
    /^SUCCESS \S+ \d+ms$/,
  ];
  ids.forEach((id, i) => {
    const line = r.stdout.split('\n').find((l) => l.includes(` ${id} `) && /^(SUCCESS|FAILED|RETRY) /.test(l));
    assert.match(line ?? `(no line for ${kinds[i]})`, expected[i], `${kinds[i]}:\n${r.stdout}\n${r.stderr}`);
  });
  assert.doesNotMatch(r.stderr, /died before answering any job/, 'a thread that answered is no failed start');
});

test('consume --module: a returned value that is not an answer is quoted in the reason up to 120 characters, then …', async (t) => {
  const { dir, q } = scratchQueue(t, 'module-long-answer');
  const handler = writeModule(dir, 'long.js', `module.exports = async () => 'x'.repeat(300);`);
  const [id] = await sendDataLines(q, ['any']);
  const r = await runCli(['consume', q, '--once', '--module', handler], { timeoutMs: BOUND_MS });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`^FAILED ${id} \\d+ms: the handler returned "x{119}…, not SUCCESS, FAILED or RETRY`, 'm'), r.stdout);
});
