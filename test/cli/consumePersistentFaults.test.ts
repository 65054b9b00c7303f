// consume --persistent when the handler's side notes go wrong: a progress line that cannot
// be written, a line after its answer while no job is in hand.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runCli, sendDataLines, writeScript } from '../support/cli';
import { entries, scratchQueue } from '../support/scratch';

const TAB_READ = `tab=$(printf '\\t')
while IFS="$tab" read -r id kind attempt file name <&3; do`;

/** A bound against a hung consumer, not a wait. */
const BOUND_MS = 15_000;

test('consume --persistent: a PROGRESS line that cannot be written (.pacchettino/progress a file) is a warning once per job; the job goes on, consume does not crash', async (t) => {
  const { dir, q } = scratchQueue(t, 'persistent-progress-enotdir');
  const progress = path.join(q, '.pacchettino', 'progress');
  const handler = writeScript(
    dir,
    'notes.sh',
    `${TAB_READ}
  rm -rf "${progress}"; echo 'not a folder' > "${progress}"
  echo "PROGRESS 10 first" >&3
  echo "PROGRESS 20 second" >&3
  echo SUCCESS >&3
done`,
  );
  const ids = await sendDataLines(q, ['a', 'b']);
  const r = await runCli(['consume', q, '--once', '--persistent', '--', handler], { timeoutMs: BOUND_MS });
  assert.equal(r.code, 0, r.stderr);
  for (const id of ids) assert.match(r.stdout, new RegExp(`^SUCCESS ${id} \\d+ms$`, 'm'), r.stdout);
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('pacchettino: warning: ') && l.includes('writing the progress of job'));
  assert.deepEqual(
    warnings.map((l) => /job (raw-\S+) \(the job goes on without it\)/.exec(l)?.[1]),
    ids.map((id) => `raw-${id}`),
    r.stderr,
  );
  for (const l of warnings) assert.match(l, /ENOTDIR/);
  assert.deepEqual(entries(path.join(q, 'processing')), []);
  assert.equal(entries(path.join(q, 'success')).length, 2);
});

test('consume --persistent: a line after the answer, while no job is in hand, is said on stderr (printable) as the handler is stopped; the next job gets a new one', async (t) => {
  const { dir, q } = scratchQueue(t, 'persistent-stray-line');
  // One write: the stray line arrives with the answer, before any next job is handed over.
  const handler = writeScript(dir, 'chatty.sh', `echo "started $$"\n${TAB_READ}\n  printf 'SUCCESS\\nall done \\033[2J\\n' >&3\ndone`);
  const ids = await sendDataLines(q, ['a', 'b']);
  const r = await runCli(['consume', q, '--once', '--persistent', '--', handler], { timeoutMs: BOUND_MS });
  assert.equal(r.code, 0, r.stderr);
  for (const id of ids) assert.match(r.stdout, new RegExp(`^SUCCESS ${id} \\d+ms$`, 'm'), r.stdout);
  assert.equal(r.stdout.split('\n').filter((l) => /^started \d+$/.test(l)).length, 2, r.stdout);
  const said = r.stderr.split('\n').filter((l) => l.includes('while no job was in hand'));
  assert.equal(said.length, 2, r.stderr);
  for (const l of said) {
    assert.match(
      l,
      /^pacchettino: the handler wrote "all done \\e\[2J" on fd 3 while no job was in hand \(pid \d+\); it was stopped, the next job starts a new one$/,
    );
  }
  assert.ok(!r.stderr.includes('\x1b'), 'no raw escape reaches the terminal');
  assert.doesNotMatch(r.stderr, /died before answering any job/, 'a handler that answered is no failed start');
});
