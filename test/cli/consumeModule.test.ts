import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobStatusJson, runCli, sendDataLines, sentId, startConsumer, writeModule } from '../support/cli';
import { entries, queuePath, scratchQueue } from '../support/scratch';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'module-handler.js');

test('consume --module: the README example runs per job in a worker thread; its answer, reason and output are the job’s', async (t) => {
  const { dir, q } = scratchQueue(t, 'module-example');
  const [hello, empty] = await sendDataLines(q, ['hello', '']);
  const file = path.join(dir, 'notes é.txt');
  fs.writeFileSync(file, 'some notes');
  const fileId = sentId(await runCli(['send', q, '--file', file]));

  const r = await runCli(['consume', q, '--once', '--module', EXAMPLE, '--concurrency', '2']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`^SUCCESS ${hello} \\d+ms$`, 'm'));
  assert.match(r.stdout, new RegExp(`^SUCCESS ${fileId} \\d+ms$`, 'm'));
  assert.match(r.stdout, new RegExp(`^FAILED ${empty} \\d+ms: empty payload$`, 'm'));
  assert.match(r.stdout, new RegExp(`^${fileId} \\(notes é\\.txt, attempt 1\\): 10 characters$`, 'm'));
  const failed = jobStatusJson(await runCli(['status', q, empty, '--json']));
  assert.equal(failed.reason, 'empty payload');
  assert.match(
    failed.record?.output ?? '',
    new RegExp(`${empty} \\(data, attempt 1\\): 0 characters`),
    'what the thread printed before answering is the job’s output',
  );
  assert.deepEqual(entries(path.join(q, 'processing')), []);
});

test('consume --module: a job that throws, returns nonsense, exits its thread, throws outside the job or hangs past --timeout is FAILED with why; the thread is replaced and the next job succeeds, none run twice', async (t) => {
  const { dir, q } = scratchQueue(t, 'module-misbehave');
  const runs = path.join(dir, 'runs.log');
  const handler = writeModule(
    dir,
    'moody.js',
    `const fs = require('node:fs');
console.log('loaded');
module.exports = async (job) => {
  fs.appendFileSync(${JSON.stringify(runs)}, job.id + '\\n');
  switch (job.data.toString()) {
    case 'throw': throw new Error('boom');
    case 'nonsense': return 42;
    case 'exit': process.exit(3);
    case 'uncaught': setTimeout(() => { throw new Error('late'); }); return new Promise(() => {});
    case 'hang': return new Promise(() => {});
    case 'retry': return { result: 'RETRY', reason: 'busy' };
    default: return 'SUCCESS';
  }
};`,
  );
  const kinds = ['ok', 'throw', 'ok', 'nonsense', 'ok', 'exit', 'ok', 'uncaught', 'ok', 'hang', 'ok', 'retry', 'ok'];
  const ids = await sendDataLines(q, kinds);
  const r = await runCli(['consume', q, '--once', '--module', handler, '--timeout', '1s'], { timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stderr);
  const lineOf = (id: string) => r.stdout.split('\n').find((l) => l.includes(` ${id} `) && /^(SUCCESS|FAILED|RETRY) /.test(l));
  const expected: Record<string, RegExp> = {
    throw: /^FAILED \S+ \d+ms: boom$/,
    nonsense: /^FAILED \S+ \d+ms: the handler returned 42, not SUCCESS, FAILED or RETRY/,
    exit: /^FAILED \S+ \d+ms: the handler's thread exited with code 3$/,
    uncaught: /^FAILED \S+ \d+ms: the handler's thread died: late$/,
    hang: /^FAILED \S+ \d+ms: timed out after 1000 ms$/,
    retry: /^RETRY \S+ \d+ms: busy$/,
  };
  kinds.forEach((kind, i) => assert.match(lineOf(ids[i]) ?? `(no line for ${kind})`, expected[kind] ?? /^SUCCESS /, `${kind}:\n${r.stdout}\n${r.stderr}`));
  // Loaded once, and again after each thread that ended: exit, uncaught, hang. A throw or a bad answer keeps the thread.
  assert.equal(r.stdout.split('\n').filter((l) => l === 'loaded').length, 4, r.stdout);
  assert.deepEqual(fs.readFileSync(runs, 'utf8').trim().split('\n'), ids, 'each job run once, in order');
  assert.deepEqual(entries(path.join(q, 'processing')), []);
  assert.equal(entries(path.join(q, 'failed')).length, 5);
  assert.equal(entries(path.join(q, 'success')).length, 7);
  const threw = jobStatusJson(await runCli(['status', q, ids[1], '--json']));
  assert.match(threw.record?.output ?? '', /Error: boom\n\s+at /, 'the stack is kept with the job');
});

for (const [what, source, message] of [
  ['exports no function', 'module.exports = { answer: 42 };', /exports no function: export one/],
  ['throws as it loads', "throw new Error('missing config');", /cannot load .*: missing config/],
] as const) {
  test(`consume --module: a module that ${what} is a usage error (64) before any job is claimed`, async (t) => {
    const { dir, q } = scratchQueue(t, 'module-unusable');
    const [id] = await sendDataLines(q, ['waiting']);
    const handler = writeModule(dir, 'handler.js', source);
    const r = await runCli(['consume', q, '--once', '--module', handler]);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /no job was claimed/);
    assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${id}`]);
    assert.deepEqual(entries(path.join(q, 'processing')), []);
  });
}

test('consume --module and a command after --, or --module with --persistent, is a usage error', async (t) => {
  const q = queuePath(t, 'module-usage');
  const both = await runCli(['consume', q, '--module', EXAMPLE, '--', 'true']);
  assert.equal(both.code, 64);
  assert.match(both.stderr, /give no command after --/);
  const modes = await runCli(['consume', q, '--module', EXAMPLE, '--persistent']);
  assert.equal(modes.code, 64);
  assert.match(modes.stderr, /two modes: choose one/);
});

test('consume --module: SIGTERM lets the job in hand finish as SUCCESS, then exits 0', async (t) => {
  const { dir, q } = scratchQueue(t, 'module-term');
  const release = path.join(dir, 'release');
  // Runs until the test creates `release` (bounded polling of a file: nothing else signals a thread here).
  const handler = writeModule(
    dir,
    'slow.js',
    `const fs = require('node:fs');
module.exports = async (job) => {
  console.log('running ' + job.id);
  for (let i = 0; i < 500 && !fs.existsSync(${JSON.stringify(release)}); i++) await new Promise((r) => setTimeout(r, 20));
  return 'SUCCESS';
};`,
  );
  const consumer = startConsumer(t, q, ['--module', handler]);
  const [id] = await sendDataLines(q, ['long']);
  await consumer.waitForLine(new RegExp(`^running ${id}$`));
  consumer.kill('SIGTERM');
  await consumer.waitForLine(/SIGTERM: finishing the job\(s\) in hand/, { stream: 'stderr' });
  assert.equal(entries(path.join(q, 'processing')).length, 1, 'the job is still in hand');
  fs.writeFileSync(release, '');
  const r = await consumer.exit();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^SUCCESS ${id} \\d+ms$`, 'm'));
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${id}`]);
});
