// Builds the demo workspace `npm start` opens (and the README screenshots show):
// two queues with jobs in every finished state, a handler script, settings and a
// consumer task. Jobs are made with the bundled CLI (dist/cli.js), as a user would.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');

const HANDLER = `#!/bin/sh
# Demo handler, run once per job by \`pacchettino consume\` (see .vscode/tasks.json).
# The payload is $PACCHETTINO_JOB_FILE; exit 0 = success, 75 = try again later, else failed.
name="\${PACCHETTINO_JOB_NAME:-data job}"
echo "converting $name ($(wc -c < "$PACCHETTINO_JOB_FILE") bytes, attempt $PACCHETTINO_JOB_ATTEMPT)"
case "$name" in
  *broken*) echo "error: $name: unexpected end of file at line 3" >&2; exit 3 ;;
  *later*) echo "upstream busy, try again later" >&2; exit 75 ;;
esac
sleep 0.3
echo "done"
`;

const DOCS = {
  'invoice-2024-01.txt': 'Invoice 2024-01\nTotal: 120.00 EUR\n',
  'invoice-2024-02.txt': 'Invoice 2024-02\nTotal: 98.50 EUR\n',
  'invoice-2024-03.txt': 'Invoice 2024-03\nTotal: 143.10 EUR\n',
  'invoice-2024-04.txt': 'Invoice 2024-04\nTotal: 77.00 EUR\n',
  'notes.md': '# Notes\n\n- send the invoices\n- check the broken report\n',
  'report-broken.csv': 'id,amount\n1,10\n2,',
  'summary-broken.txt': 'Summary of',
  'long-import.csv': 'id,name\n1,alpha\n2,beta\n',
  'weekly-digest.md': '# Weekly digest\n',
  'photo-001.jpg.txt': 'pretend this is a photo\n',
  'photo-002.jpg.txt': 'pretend this is another photo\n',
  'photo-003.jpg.txt': 'and a third one\n',
};

function run(...args) {
  return execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A consumer killed mid-job (SIGKILL, as a crash): its job is interrupted on the next sweep. */
async function interruptOne(queue) {
  const consumer = spawn(process.execPath, [cli, 'consume', queue, '--', 'sleep', '600'], { detached: true, stdio: 'ignore' });
  const processing = path.join(queue, 'processing');
  const deadline = Date.now() + 10_000;
  // A script's own wait: the consumer gives no signal but the folder entry it makes.
  while (fs.readdirSync(processing).length === 0) {
    if (Date.now() > deadline) throw new Error('the demo consumer never took its job');
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((r) => consumer.once('exit', r));
  process.kill(-consumer.pid, 'SIGKILL'); // its whole group: the consumer and its `sleep`
  await exited; // reaped: until then its pid still answers, and it would look alive
  run('recover', queue);
}

/** (Re)creates the demo workspace in `dir`; returns it. */
export async function makeDemoWorkspace(dir) {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run node scripts/bundle.mjs first`);
  fs.rmSync(dir, { recursive: true, force: true });
  const docs = path.join(dir, 'docs');
  fs.mkdirSync(docs, { recursive: true });
  for (const [name, text] of Object.entries(DOCS)) fs.writeFileSync(path.join(docs, name), text);
  fs.mkdirSync(path.join(dir, 'handlers'));
  fs.writeFileSync(path.join(dir, 'handlers', 'convert.sh'), HANDLER, { mode: 0o755 });
  fs.mkdirSync(path.join(dir, '.vscode'));
  fs.writeFileSync(
    path.join(dir, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'pacchettino.queues': ['queues/inbox', 'queues/thumbnails'],
        'pacchettino.defaultHandler': 'sh handlers/convert.sh',
        'pacchettino.recoveryInterval': 5,
      },
      null,
      2,
    ) + '\n',
  );
  fs.writeFileSync(
    path.join(dir, '.vscode', 'tasks.json'),
    JSON.stringify(
      {
        version: '2.0.0',
        tasks: [
          { label: 'Consume inbox', type: 'pacchettino', queue: 'queues/inbox', command: 'sh handlers/convert.sh', concurrency: 2, problemMatcher: [] },
          { label: 'Consume inbox once', type: 'pacchettino', queue: 'queues/inbox', command: 'sh handlers/convert.sh', once: true, problemMatcher: [] },
        ],
      },
      null,
      2,
    ) + '\n',
  );

  const inbox = path.join(dir, 'queues', 'inbox');
  const thumbs = path.join(dir, 'queues', 'thumbnails');
  const send = (queue, file, ...more) => run('send', queue, '--file', path.join(docs, file), ...more);
  // Finished jobs: four succeed, two fail (exit 3, with output), run by the real handler.
  for (const f of ['invoice-2024-01.txt', 'invoice-2024-02.txt', 'notes.md', 'report-broken.csv', 'summary-broken.txt']) send(inbox, f);
  run('send', inbox, '--data', '{"to":"ops@example.com","subject":"nightly report"}');
  // Exit 1 says some jobs failed: here that is the point.
  const consumed = spawnSync(process.execPath, [cli, 'consume', inbox, '--once', '--', 'sh', 'handlers/convert.sh'], { cwd: dir, encoding: 'utf8' });
  if (consumed.status !== 1) throw new Error(`the demo's consume --once exited ${consumed.status} (1 expected: two jobs fail):\n${consumed.stderr}`);
  send(inbox, 'long-import.csv');
  await interruptOne(inbox);
  // Waiting jobs: due now, and one scheduled for later.
  send(inbox, 'invoice-2024-03.txt');
  send(inbox, 'invoice-2024-04.txt');
  run('send', inbox, '--data', '{"to":"sales@example.com","subject":"weekly numbers"}');
  send(inbox, 'weekly-digest.md', '--delay', '2h');
  for (const f of ['photo-001.jpg.txt', 'photo-002.jpg.txt', 'photo-003.jpg.txt']) send(thumbs, f);
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.resolve(process.argv[2] ?? 'pacchettino-demo');
  await makeDemoWorkspace(dir);
  console.log(run('status', path.join(dir, 'queues', 'inbox')));
  console.log(`demo workspace: ${dir}`);
}
