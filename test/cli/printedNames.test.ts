// What the CLI prints about jobs a person reads in a terminal: names made safe to print
// (ls, consume's per-job lines, status, errors), a table whose columns hold with long
// names, sizes for people, one time format.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { runCli } from '../support/cli';
import { scratchDir } from '../support/scratch';

/** A name a terminal would obey: clear screen, red text, a newline, a bell, a right-to-left override. */
const HOSTILE = 'e\x1b[2J\x1b[31m\nl\x07\u202eexe.txt';
const HOSTILE_SHOWN = 'e\\e[2J\\e[31m\\nl\\x07\\u{202e}exe.txt';
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function noControlCharacters(text: string, what: string): void {
  // Newlines end our own lines; nothing else below 0x20 (but tab), no DEL, C1 or bidi overrides.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, `${what} holds no control characters`);
}

test('a file name with escape sequences and a newline is printed escaped by ls, consume, status and errors', async (t) => {
  const dir = scratchDir(t, 'hostile');
  const q = path.join(dir, 'q');
  const file = path.join(dir, HOSTILE);
  fs.writeFileSync(file, 'payload');
  const queue = new Pacchettino(q);
  const id = queue.sendFile(file);

  const ls = await runCli(['ls', q, 'queued']);
  assert.equal(ls.code, 0, ls.stderr);
  noControlCharacters(ls.stdout, 'ls');
  const lines = ls.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2, 'a header and one row: the newline in the name did not break the table');
  assert.ok(lines[1].includes(HOSTILE_SHOWN), lines[1]);
  const json = await runCli(['ls', q, 'queued', '--json']);
  assert.equal((JSON.parse(json.stdout) as { jobs: { originalName: string }[] }).jobs[0].originalName, HOSTILE, '--json keeps the name as it is');

  const consume = await runCli(['consume', q, '--once', '--', 'sh', '-c', `printf 'why: %s' "$PACCHETTINO_JOB_NAME" >&2; exit 3`]);
  noControlCharacters(consume.stdout, 'consume');
  assert.ok(consume.stdout.includes(`START ${id} ${HOSTILE_SHOWN}\n`), consume.stdout);

  const status = await runCli(['status', q, id]);
  assert.equal(status.code, 0, status.stderr);
  noControlCharacters(status.stdout, 'status');
  assert.match(status.stdout, new RegExp(`^name +fle-${id}-${HOSTILE_SHOWN.replace(/[\\[\]{}()]/g, '\\$&')}$`, 'm'));
  assert.match(status.stdout, /^output:\nwhy: e\\e\[2J/m, "the handler's output keeps its lines, not its escapes");

  const missing = await runCli(['send', q, '--file', path.join(dir, 'no\x1b[31msuch')]);
  assert.equal(missing.code, 66);
  noControlCharacters(missing.stderr, 'an error naming the file');
  assert.match(missing.stderr, /no\\e\[31msuch/);
});

test('ls: long names are cut in the middle and every column stays in line; sizes for people, raw bytes in --json; ISO 8601 UTC times', async (t) => {
  const dir = scratchDir(t, 'columns');
  const q = path.join(dir, 'q');
  const queue = new Pacchettino(q);
  const long = `${'report-of-the-quarter-'.repeat(6)}final.csv`;
  const sizes: Record<string, number> = { 'a.txt': 12, [long]: 1536, 'big.bin': 5 * 1024 * 1024 + 300 * 1024 };
  for (const [name, size] of Object.entries(sizes)) {
    fs.writeFileSync(path.join(dir, name), Buffer.alloc(size, 0x61));
    queue.sendFile(path.join(dir, name));
  }
  queue.sendData('data');

  const r = await runCli(['ls', q, 'queued']);
  assert.equal(r.code, 0, r.stderr);
  const [header, ...rows] = r.stdout.trimEnd().split('\n');
  assert.equal(rows.length, 4);
  // Each column starts where its header does, on every row.
  const starts = ['SIZE', 'SENT', 'ATTEMPTS'].map((h) => header.indexOf(h));
  for (const row of rows) {
    assert.ok(row.length <= header.length + 2, `row no wider than the table: ${row}`);
    assert.equal(row[starts[1] - 1], ' ', `SENT starts its own column: ${row}`);
    assert.match(row.slice(starts[1]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}/, `SENT in line: ${row}`);
  }
  assert.ok(rows[1].includes('report-of-the-quarte'), rows[1]);
  assert.ok(rows[1].includes('…'), 'the long name is cut');
  assert.ok(rows[1].includes('final.csv'), 'keeping its end (the extension)');
  assert.match(rows[0], /\b12 B\b/);
  assert.match(rows[1], /\b1\.5 KB\b/);
  assert.match(rows[2], /\b5\.3 MB\b/);

  const json = JSON.parse((await runCli(['ls', q, 'queued', '--json'])).stdout) as { jobs: { size: number; sentAt: number; originalName?: string }[] };
  assert.deepEqual(
    json.jobs.map((j) => j.size),
    [12, 1536, sizes['big.bin'], 4],
  );
  assert.equal(json.jobs[1].originalName, long, '--json has the whole name');
  const status = await runCli(['status', q, (await runCli(['ls', q, 'queued', '--json'])).stdout.match(/"id": "([^"]+)"/)![1]]);
  assert.match(status.stdout.match(/^sent at +(.*)$/m)![1], ISO_UTC, 'status uses the same time format');
});
