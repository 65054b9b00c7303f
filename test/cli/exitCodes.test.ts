// The exit codes README's table promises scripts, one test per row that is not a plain
// usage or file error (those are in errors.test.ts; 70, a crash-looping handler, in consumeCrashLoop.test.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { runCli, sentId, writeScript, type CliResult } from '../support/cli';
import { entries, scratchDir } from '../support/scratch';

const EX = { OK: 0, JOBS_FAILED: 1, NOINPUT: 66, CANNOT_EXECUTE: 126, COMMAND_NOT_FOUND: 127 };

function exits(r: CliResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what} exits ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** Every file and folder under `dir`, relative: what a command left behind. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

test('status, ls, requeue, cleanup and recover on a path that is not a queue exit 66 and create nothing', async (t) => {
  const dir = scratchDir(t, 'notqueue');
  const typo = path.join(dir, 'typo');
  const plain = path.join(dir, 'plain'); // a folder, but not a queue
  fs.mkdirSync(plain);
  fs.writeFileSync(path.join(plain, 'notes.txt'), 'mine');
  const runs: [string[], RegExp][] = [];
  for (const q of [typo, plain]) {
    runs.push(
      [['status', q], /no such directory|is not a queue/],
      [['status', q, '--json'], /no such directory|is not a queue/],
      [['ls', q, 'queued'], /no such directory|is not a queue/],
      [['requeue', q, '--all'], /no such directory|is not a queue/],
      [['cleanup', q], /no such directory|is not a queue/],
      [['recover', q], /no such directory|is not a queue/],
    );
  }
  await Promise.all(
    runs.map(async ([args, message]) => {
      const r = await runCli(args);
      exits(r, EX.NOINPUT, `pacchettino ${args.join(' ')}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }),
  );
  assert.deepEqual(tree(dir), ['plain', 'plain/notes.txt'], 'no typo/ made, nothing added to plain/');
});

test('status of a queue the original made (its six folders only) works and adds nothing', async (t) => {
  const q = path.join(scratchDir(t, 'original'), 'q');
  for (const d of ['queued', 'processing', 'success', 'failed', 'interrupted', 'tmp']) fs.mkdirSync(path.join(q, d), { recursive: true });
  fs.writeFileSync(path.join(q, 'queued', 'raw-01937f3c-9a2b-7c4d-8e5f-0123456789ab'), 'x');
  const r = await runCli(['status', q, '--json']);
  exits(r, EX.OK, 'status');
  assert.equal((JSON.parse(r.stdout) as { counts: { QUEUED: number } }).counts.QUEUED, 1);
  exits(await runCli(['ls', q, 'queued']), EX.OK, 'ls');
  assert.deepEqual(entries(q), ['failed', 'interrupted', 'processing', 'queued', 'success', 'tmp']);
});

test('status with an unknown job id exits 66, still printing UNKNOWN (and {state: UNKNOWN} with --json)', async (t) => {
  const q = path.join(scratchDir(t, 'unknown'), 'q');
  const id = new Pacchettino(q).sendData('x');
  const unknown = '01937f3c-9a2b-7c4d-8e5f-0123456789ab';
  exits(await runCli(['status', q, id]), EX.OK, 'status of a known job');
  const plain = await runCli(['status', q, unknown]);
  exits(plain, EX.NOINPUT, 'status of an unknown id');
  assert.equal(plain.stdout, 'UNKNOWN\n');
  assert.match(plain.stderr, new RegExp(`no job ${unknown} in `));
  const json = await runCli(['status', q, unknown, '--json']);
  exits(json, EX.NOINPUT, 'status --json of an unknown id');
  assert.deepEqual(JSON.parse(json.stdout), { id: unknown, state: 'UNKNOWN' });
  exits(await runCli(['requeue', q, unknown]), EX.NOINPUT, 'requeue of an unknown id');
});

test('consume --once exits 1 when a job failed, 0 when none did (retries are not failures)', async (t) => {
  const dir = scratchDir(t, 'oncefail');
  const q = path.join(dir, 'q');
  const queue = new Pacchettino(q);
  queue.sendData('good');
  queue.sendData('bad');
  const mixed = await runCli(['consume', q, '--once', '--', 'sh', '-c', 'read w; [ "$w" = good ]']);
  exits(mixed, EX.JOBS_FAILED, 'consume --once with one failed job');
  assert.match(mixed.stderr, /1 succeeded, 1 failed/);

  queue.sendData('later');
  exits(await runCli(['consume', q, '--once', '--', 'sh', '-c', 'exit 75']), EX.OK, 'consume --once whose job asks to retry');
  exits(await runCli(['consume', q, '--once', '--', 'true']), EX.OK, 'consume --once where everything succeeds');
  exits(await runCli(['consume', q, '--once', '--', 'true']), EX.OK, 'consume --once of an empty queue');
});

test('consume with a handler that cannot be run exits 127 (not found) or 126 (not runnable) before claiming any job', async (t) => {
  const dir = scratchDir(t, 'nohandler');
  const q = path.join(dir, 'q');
  const id = sentId(await runCli(['send', q, '--data', 'x']));
  const notExecutable = path.join(dir, 'handler.sh');
  fs.writeFileSync(notExecutable, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
  const cases: [string[], number, RegExp][] = [
    [['/no/such/handler'], EX.COMMAND_NOT_FOUND, /handler \/no\/such\/handler not found; no job was claimed/],
    [['no-such-command-anywhere', 'arg'], EX.COMMAND_NOT_FOUND, /handler command no-such-command-anywhere not found on PATH/],
    [[notExecutable], EX.CANNOT_EXECUTE, /handler .*handler\.sh is not executable/],
    [[dir], EX.CANNOT_EXECUTE, /is a directory, not a command/],
  ];
  for (const [command, code, message] of cases) {
    for (const once of [['--once'], []]) {
      const r = await runCli(['consume', q, ...once, '--', ...command]);
      exits(r, code, `consume ${once.join(' ')} -- ${command.join(' ')}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'no START line: nothing was claimed');
    }
  }
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${id}`], 'the job is still queued');
  assert.deepEqual(entries(path.join(q, 'processing')), []);
  assert.deepEqual(entries(path.join(q, 'failed')), []);
  assert.deepEqual(entries(path.join(q, '.pacchettino', 'meta')), [], 'no attempt recorded');

  // The same checks let a real handler, on PATH or by path, through.
  const handler = writeScript(dir, 'ok.sh', 'exit 0');
  exits(await runCli(['consume', q, '--once', '--', handler]), EX.OK, 'consume with a runnable handler');
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${id}`]);
});
