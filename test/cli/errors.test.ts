import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NOBODY, queueStatusJson, runCli, type CliOptions } from '../support/cli';
import { entries, scratchDir } from '../support/scratch';

/** sysexits(3), as the CLI maps its errors. */
const EX = { USAGE: 64, DATAERR: 65, NOINPUT: 66, CANTCREAT: 73, NOPERM: 77 };
const COMMANDS = ['send', 'consume', 'status', 'ls', 'requeue', 'cleanup', 'recover'];

async function fails(args: string[], code: number, message: RegExp, opts: CliOptions = {}) {
  const r = await runCli(args, opts);
  assert.equal(r.code, code, `pacchettino ${args.join(' ')} exits ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.equal(r.stdout, '', 'nothing on stdout');
  return r;
}

/** A failed send leaves no job behind, finished or half-written. */
function assertNoJob(q: string) {
  for (const d of ['tmp', 'queued', 'scheduled']) assert.deepEqual(entries(path.join(q, d)), [], `${d}/ is empty`);
}

/** A scratch dir the unprivileged user can enter (mkdtemp makes it 0700). */
function sharedDir(t: TestContext, label: string): string {
  const dir = scratchDir(t, label);
  fs.chmodSync(dir, 0o755);
  return dir;
}

test('usage errors exit 64 with the reason on stderr, before the queue is touched', async (t) => {
  const dir = scratchDir(t, 'usage');
  const q = path.join(dir, 'q');
  // Independent runs: side by side, to keep the suite quick.
  await Promise.all([
    fails(['send', q, '--data', 'x', '--bogus'], EX.USAGE, /unknown option '--bogus'/),
    fails(['frobnicate', q], EX.USAGE, /unknown command 'frobnicate'/),
    fails([], EX.USAGE, /Usage: pacchettino/),
    fails(['send'], EX.USAGE, /missing required argument 'queue'/),
    fails(['send', q], EX.USAGE, /send takes exactly one of --data <text>, --file <path…>, --files-from <list\|->, --stdin/),
    fails(['send', q, '--data', 'x', '--file', 'y'], EX.USAGE, /exactly one of --data/),
    fails(['send', q, '--data', 'x', '--move'], EX.USAGE, /--move goes with --file/),
    fails(['send', q, '--data', 'x', '--delay', 'notaduration'], EX.USAGE, /not a duration: "notaduration"/),
    fails(['send', q, '--data', 'x', '--keep', 'everything'], EX.USAGE, /--keep takes all, none or a list/),
    fails(['consume', q], EX.USAGE, /consume needs a handler command after --, e.g. .* \(or --module handler.js\)/),
    fails(['consume', q, '--concurrency', '0', '--', 'true'], EX.USAGE, /--concurrency must be a whole number from 1 to 1024, not "0"/),
    fails(['consume', q, '--timeout', 'soon', '--', 'true'], EX.USAGE, /not a duration: "soon"/),
    fails(['ls', q], EX.USAGE, /missing required argument 'state'/),
    fails(['ls', q, 'bogus-state'], EX.USAGE, /state must be one of scheduled, queued, processing, success, failed, interrupted; not "bogus-state"/),
    fails(['ls', q, 'queued', '--limit', 'lots'], EX.USAGE, /--limit must be a whole number/),
    fails(['cleanup', q, '--older-than', 'ages'], EX.USAGE, /not a duration: "ages"/),
    fails(['requeue', q], EX.USAGE, /requeue needs job ids, or --all/),
  ]);
  assert.deepEqual(entries(dir), [], 'no queue was created by a command that was called wrong');
});

test('--help on every command exits 0 with its usage on stdout', async () => {
  await Promise.all(
    COMMANDS.map(async (command) => {
      const r = await runCli([command, '--help']);
      assert.equal(r.code, 0, `${command} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: pacchettino ${command} \\[options\\] <queue>`), command);
    }),
  );
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const command of COMMANDS) assert.match(top.stdout, new RegExp(`^  ${command} `, 'm'));
  assert.match((await runCli(['consume', '--help'])).stdout, /PACCHETTINO_JOB_ID/);
});

test('send --file: a missing file or a directory exits 66, a base name over 200 bytes 65; no job is left', async (t) => {
  const dir = scratchDir(t, 'send-errors');
  const q = path.join(dir, 'q');
  await fails(['send', q, '--file', path.join(dir, 'missing.txt')], EX.NOINPUT, /^pacchettino: File not found: .*missing\.txt$/m);
  assertNoJob(q);

  fs.mkdirSync(path.join(dir, 'a-folder'));
  // A folder stands for the files in it (bulkSend.test.ts): an empty one is nothing to send.
  await fails(['send', q, '--file', path.join(dir, 'a-folder')], EX.NOINPUT, /Folder .*a-folder holds no files to send/);
  assertNoJob(q);

  // Bytes, not characters: 100 two-byte letters and one more byte.
  const tooLong = path.join(dir, 'é'.repeat(100) + 'x');
  fs.writeFileSync(tooLong, 'x');
  await fails(['send', q, '--file', tooLong], EX.DATAERR, /File name is 201 bytes; the queue protocol allows at most 200/);
  await fails(['send', q, '--file', tooLong, '--move'], EX.DATAERR, /201 bytes/);
  assert.ok(fs.existsSync(tooLong), '--move leaves a refused file where it was');
  assertNoJob(q);

  const longest = path.join(dir, 'é'.repeat(100));
  fs.writeFileSync(longest, 'x');
  const ok = await runCli(['send', q, '--file', longest]);
  assert.equal(ok.code, 0, `200 bytes is allowed: ${ok.stderr}`);
});

test('a queue path that is a file exits 73', async (t) => {
  const dir = scratchDir(t, 'not-a-dir');
  const file = path.join(dir, 'q');
  fs.writeFileSync(file, 'not a queue');
  await fails(['send', file, '--data', 'x'], EX.CANTCREAT, /Queue path .*q exists and is not a directory/);
  await fails(['status', file], EX.CANTCREAT, /is not a directory/);
  await fails(['consume', file, '--once', '--', 'true'], EX.CANTCREAT, /is not a directory/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'not a queue');
});

test('as an unprivileged user: a file it cannot read exits 66, and no job is left', async (t) => {
  const dir = sharedDir(t, 'unreadable');
  const q = path.join(dir, 'q');
  fs.mkdirSync(q);
  fs.chownSync(q, NOBODY, NOBODY);
  const secret = path.join(dir, 'secret.txt');
  fs.writeFileSync(secret, 'root only', { mode: 0o600 });

  await fails(['send', q, '--file', secret], EX.NOINPUT, /^pacchettino: Cannot read .*secret\.txt: .*permission denied/im, { asUser: NOBODY });
  assertNoJob(q);
  const r = await runCli(['send', q, '--data', 'but this works'], { asUser: NOBODY });
  assert.equal(r.code, 0, r.stderr);
});

test('as an unprivileged user: a queue it cannot write exits 77 saying so; reading it still works', async (t) => {
  const dir = sharedDir(t, 'readonly');
  const q = path.join(dir, 'q');
  const sent = await runCli(['send', q, '--data', 'queued by root']);
  assert.equal(sent.code, 0, sent.stderr);

  await fails(
    ['send', q, '--data', 'x'],
    EX.NOPERM,
    new RegExp(`^pacchettino: Permission denied while writing a data job to ${q}/tmp \\(EACCES: permission denied, open .*\\)$`, 'm'),
    {
      asUser: NOBODY,
    },
  );
  await fails(['consume', q, '--once', '--', 'true'], EX.NOPERM, /^pacchettino: Permission denied while claiming a job from .*\/queued/m, { asUser: NOBODY });
  await fails(
    ['send', path.join(dir, 'new-queue'), '--data', 'x'],
    EX.NOPERM,
    /^pacchettino: Permission denied while creating the folders of queue .*new-queue/m,
    { asUser: NOBODY },
  );
  assert.deepEqual(entries(path.join(q, 'tmp')), []);
  assert.equal(entries(path.join(q, 'queued')).length, 1, 'the job queued by root is untouched');
  assert.deepEqual(entries(path.join(q, 'processing')), []);

  const status = await runCli(['status', q, '--json'], { asUser: NOBODY });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(queueStatusJson(status).counts.QUEUED, 1);
  const ls = await runCli(['ls', q, 'queued'], { asUser: NOBODY });
  assert.equal(ls.code, 0, ls.stderr);
});
