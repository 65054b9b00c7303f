// Many jobs from one `send`: files and folders (--file a b dir/), a list of paths
// (--files-from, newline or NUL separated), data jobs from standard input (--stdin,
// one per line or NUL separated). Each id on its own line, printed as its job is sent.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { CLI_MAIN, runCli, type CliResult } from '../support/cli';
import { entries, scratchDir } from '../support/scratch';

/** Runs `pacchettino <args>` with `input` on its standard input. */
function runWithInput(args: string[], input: string | Buffer): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

function ids(r: CliResult): string[] {
  assert.match(r.stdout, /^([0-9a-f-]{36}\n)*$/, `one id a line:\n${r.stdout}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** What each id's job holds, in the order of the ids. */
function payloads(q: string, sent: string[]): (string | undefined)[] {
  const queue = new Pacchettino(q);
  return sent.map((id) => {
    const d = queue.details(id);
    return d ? fs.readFileSync(d.path, 'utf8') : undefined;
  });
}

function setup(label: string, t: Parameters<typeof scratchDir>[0]) {
  const dir = scratchDir(t, label);
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  return { dir, q: path.join(dir, 'q'), write };
}

test('send --file a b c: one job per file, ids printed in order, one a line', async (t) => {
  const { q, write } = setup('bulk-files', t);
  const files = ['a.txt', 'b.txt', 'c.txt'].map((n) => write(n, `content of ${n}`));
  const r = await runCli(['send', q, '--file', ...files]);
  assert.equal(r.code, 0, r.stderr);
  const sent = ids(r);
  assert.equal(sent.length, 3);
  assert.deepEqual(payloads(q, sent), ['content of a.txt', 'content of b.txt', 'content of c.txt']);
  assert.deepEqual(
    sent.map((id) => new Pacchettino(q).details(id)?.originalName),
    ['a.txt', 'b.txt', 'c.txt'],
  );
});

test('send --file <folder>: the files directly in it, by name; a sub-folder is named on stderr and not sent', async (t) => {
  const { dir, q, write } = setup('bulk-folder', t);
  write('inbox/2.txt', 'two');
  write('inbox/1.txt', 'one');
  write('inbox/nested/3.txt', 'three');
  const extra = write('extra.txt', 'extra');
  const r = await runCli(['send', q, '--file', path.join(dir, 'inbox'), extra, '--move']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(payloads(q, ids(r)), ['one', 'two', 'extra']);
  assert.match(r.stderr, /inbox\/nested: a folder inside a folder is not sent/);
  assert.deepEqual(entries(path.join(dir, 'inbox')), ['nested'], '--move took the files');
});

test('send --files-from: a list file, or - for standard input, newline or NUL separated', async (t) => {
  const { q, write } = setup('bulk-list', t);
  const a = write('a.txt', 'A');
  const odd = write('with\nnewline.txt', 'odd name');
  const list = write('list.txt', `${a}\n\n${a}\n`);
  const fromFile = await runCli(['send', q, '--files-from', list]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.deepEqual(payloads(q, ids(fromFile)), ['A', 'A'], 'an empty line names no file');

  const fromStdin = await runWithInput(['send', q, '--files-from', '-'], `${a}\n${a}`);
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.deepEqual(payloads(q, ids(fromStdin)), ['A', 'A'], 'the last path needs no newline');

  const nul = await runWithInput(['send', q, '--files-from', '-', '--null'], `${odd}\0${a}\0`);
  assert.equal(nul.code, 0, nul.stderr);
  assert.deepEqual(payloads(q, ids(nul)), ['odd name', 'A'], 'a newline in a name survives --null');
});

test('send --stdin: each line a data job (without its newline); --null for records holding newlines', async (t) => {
  const { q } = setup('bulk-stdin', t);
  const lines = await runWithInput(['send', q, '--stdin'], 'first\nsecond\n\nlast without newline');
  assert.equal(lines.code, 0, lines.stderr);
  assert.deepEqual(payloads(q, ids(lines)), ['first', 'second', '', 'last without newline'], 'an empty line is an empty job');

  const records = await runWithInput(['send', q, '--stdin', '--null'], Buffer.from('two\nlines\0{"json": 1}\0'));
  assert.equal(records.code, 0, records.stderr);
  assert.deepEqual(payloads(q, ids(records)), ['two\nlines', '{"json": 1}']);

  const none = await runWithInput(['send', q, '--stdin'], '');
  assert.equal(none.code, 0, none.stderr);
  assert.deepEqual(ids(none), [], 'no input, no job');
});

for (const durable of [false, true]) {
  test(`send --stdin${durable ? ' --durable' : ''} of 10,000 lines prints 10,000 ids, in order, each job queued once with its line`, async (t) => {
    const { q } = setup('bulk-10k', t);
    const lines = Array.from({ length: 10_000 }, (_, k) => `line ${k}`);
    const r = await runWithInput(['send', q, '--stdin', ...(durable ? ['--durable'] : [])], lines.join('\n') + '\n');
    assert.equal(r.code, 0, r.stderr);
    const sent = ids(r);
    assert.equal(sent.length, 10_000);
    assert.equal(new Set(sent).size, 10_000);
    assert.deepEqual(entries(path.join(q, 'queued')), sent.map((id) => `raw-${id}`).sort());
    assert.deepEqual(payloads(q, sent), lines, 'the ids in input order');
  });
}

test('send --stdin prints each id as its job is sent, before the input ends', async (t) => {
  const { q } = setup('bulk-stream', t);
  const child = spawn(process.execPath, [CLI_MAIN, 'send', q, '--stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  child.stdout.setEncoding('utf8');
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error('no id within 10 s')), 10_000);
      child.stdout.once('data', (s: string) => {
        clearTimeout(guard);
        resolve(s);
      });
    });
  child.stdin.write('one\n');
  const first = await nextLine();
  assert.match(first, /^[0-9a-f-]{36}\n$/, 'the first id, while stdin is still open');
  assert.deepEqual(payloads(q, [first.trim()]), ['one'], 'and its job is in the queue');
  child.stdin.write('two\n');
  const second = await nextLine();
  child.stdin.end();
  await new Promise((r) => child.on('close', r));
  assert.deepEqual(payloads(q, [second.trim()]), ['two']);
});

test('send with a missing file among others: the others are sent, the missing one named, exit 66', async (t) => {
  const { dir, q, write } = setup('bulk-missing', t);
  const a = write('a.txt', 'A');
  const b = write('b.txt', 'B');
  const r = await runCli(['send', q, '--file', a, path.join(dir, 'missing.txt'), b]);
  assert.equal(r.code, 66, r.stderr);
  assert.deepEqual(payloads(q, ids(r)), ['A', 'B']);
  assert.match(r.stderr, /missing\.txt/);
});

test('send: one source at a time, and --null/--move only where they mean something (exit 64)', async (t) => {
  const { q, write } = setup('bulk-usage', t);
  const a = write('a.txt', 'A');
  for (const args of [
    ['--data', 'x', '--file', a],
    ['--stdin', '--file', a],
    ['--stdin', '--files-from', '-'],
    [],
    ['--data', 'x', '--null'],
    ['--stdin', '--move'],
  ]) {
    const r = await runCli(['send', q, ...args]);
    assert.equal(r.code, 64, `send ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
});
