// Hostile names and input: odd file names sent for real; odd entries dropped by hand into
// every state folder (the layout is plain folders: anyone can); a queue the user cannot
// write; a base path that is a file. Each gets a clear error or is skipped safely, and no
// consumer (library, CLI, a long-running child) crashes or loses a real job beside them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeepPolicy, LISTABLE_STATES, Pacchettino, QueueError, newJobId, type Job } from 'pacchettino';
import { scratchDir } from '../support/scratch';
import { runCli } from '../support/cli';
import { ChildQueueError, QueueProcess } from '../support/queueProcess';
import { pidOfExitedProcess } from '../support/processes';
import { takeCensus } from './support/census';
import { assertOutsideIntact, assertSafelyHandled, plantHostileQueue as plant } from './support/hostileQueue';
import { isQueueError } from '../support/queueErrors';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

const GOOD_NAMES: Record<string, string> = {
  unicode: 'naïve – 日本語 🎉.txt',
  spaces: '  two  spaces .txt',
  newline: 'line\nbreak.txt',
  'control characters': 'tab\tcr\rbell\u0007.txt',
  'leading dash': '-rf --help',
  'only dots': '...',
  'dashes like a job name': 'raw-01937f3c-9a2b-7c4d-8e5f-0123456789ab-x',
  'shell metacharacters': `it's "$(rm -rf ~)" \\ *.txt`,
  'exactly 200 bytes': 'é'.repeat(99) + 'xx',
};

for (const crashDetection of ['pid', 'lock'] as const) {
  test(`hostile file names are sent, claimed, handed to the handler and filed intact (${crashDetection} mode)`, { timeout: 120_000 }, async (t) => {
    const dir = scratchDir(t, 'hostile-names');
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    const q = new Pacchettino(path.join(dir, 'q'), { crashDetection });
    t.after(() => q.close());
    const sent = new Map<string, string>(); // id -> basename
    for (const [what, name] of Object.entries(GOOD_NAMES)) {
      fs.writeFileSync(path.join(src, name), `payload of ${what}`);
      sent.set(q.sendFile(path.join(src, name)), name);
    }
    assert.equal(Buffer.byteLength(GOOD_NAMES['exactly 200 bytes']), 200);
    const seen = new Map<string, { name: string; body: string }>();
    q.onFile = (job) => {
      seen.set(job.id, { name: job.originalName, body: fs.readFileSync(job.path, 'utf8') });
      return 'SUCCESS';
    };
    assert.equal(await q.receive(), sent.size);
    for (const [id, name] of sent) {
      const what = Object.keys(GOOD_NAMES).find((k) => GOOD_NAMES[k] === name)!;
      assert.deepEqual(seen.get(id), { name, body: `payload of ${what}` }, what);
      assert.equal(q.status(id), 'SUCCESS', what);
      assert.equal(q.details(id)?.originalName, name, what);
      assert.equal(fs.readFileSync(path.join(dir, 'q', 'success', `fle-${id}-${name}`), 'utf8'), `payload of ${what}`);
    }
  });
}

test('names the protocol cannot carry are refused with a clear error, nothing left behind', { timeout: 120_000 }, (t) => {
  const dir = scratchDir(t, 'hostile-names');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  for (const bytes of [201, 255]) {
    const name = 'n'.repeat(bytes - 4) + '.txt';
    fs.writeFileSync(path.join(dir, name), 'x');
    assert.throws(() => q.sendFile(path.join(dir, name)), isQueueError('NAME_TOO_LONG', new RegExp(`${bytes} bytes.*at most 200`)));
    assert.throws(() => q.sendFile(path.join(dir, name), { move: true }), isQueueError('NAME_TOO_LONG'));
    assert.ok(fs.existsSync(path.join(dir, name)));
  }
  // "." and ".." name folders, never files; "/" has an empty base name.
  fs.mkdirSync(path.join(dir, 'd'));
  assert.throws(() => q.sendFile(path.join(dir, 'd', '.')), isQueueError('NOT_A_FILE'));
  assert.throws(() => q.sendFile(path.join(dir, 'd', '..')), isQueueError('NOT_A_FILE'));
  assert.throws(
    () => q.sendFile('/'),
    (e: unknown) => e instanceof QueueError && (e.code === 'BAD_NAME' || e.code === 'NOT_A_FILE'),
  );
  const c = takeCensus(base);
  assert.deepEqual([...c.places], []);
});

test(
  'a library consumer on a queue with odd entries in every folder: no crash; real jobs run once, the odd ones are failed or skipped',
  { timeout: 120_000 },
  async (t) => {
    const p = await plant(scratchDir(t, 'hostile-entries'));
    const q = new Pacchettino(p.base);
    t.after(() => q.close());
    const ran: string[] = [];
    q.onJob = (job: Job) => {
      ran.push(job.name);
      // Reading a FIFO would block this whole process: check first, and say so.
      const st = fs.lstatSync(job.path);
      assert.ok(st.isFile(), `the handler was handed ${job.name}, which is not a regular file`);
      void fs.readFileSync(job.path);
      return 'SUCCESS';
    };
    await q.receive();
    assert.equal(await q.receive(), 0, 'a second pass finds nothing new');
    assertSafelyHandled(p, ran);
    // Looking at the queue does not throw either.
    for (const s of LISTABLE_STATES) {
      const page = q.list(s, { limit: 1000 });
      assert.equal(page.total, q.count(s));
      for (const j of page.jobs) {
        assert.equal(typeof q.status(j.id), 'string');
        q.details(j.name);
      }
    }
    assert.equal(q.status('../../etc/passwd'), 'UNKNOWN');
    assert.equal(q.status(''), 'UNKNOWN');
    // Cleaning up deletes links, never what they point to.
    q.cleanup(KeepPolicy.ALL);
    assertOutsideIntact(p);
  },
);

test(
  'the CLI consumer on the same queue: runs to its end (exit 1: some planted jobs fail), real jobs succeed, status and ls of every state work',
  { timeout: 120_000 },
  async (t) => {
    const p = await plant(scratchDir(t, 'hostile-cli'));
    const r = await runCli(['consume', p.base, '--once', '--', 'sh', '-c', 'cat >/dev/null']);
    assert.equal(r.code, 1, `exit 1 says jobs failed (and no crash, no 74)\n${r.stderr}`);
    const started = r.stdout.split('\n').filter((l) => l.startsWith('START ')).length;
    assert.equal(started, p.real.length, `handlers started:\n${r.stdout}`);
    assertSafelyHandled(p, p.real);
    for (const args of [['status', p.base], ['status', p.base, '--json'], ...LISTABLE_STATES.map((s) => ['ls', p.base, s.toLowerCase(), '--json'])]) {
      const s = await runCli(args);
      assert.equal(s.code, 0, `${args.join(' ')}: ${s.stderr}`);
    }
  },
);

test('a long-running consumer process keeps serving after meeting every odd entry', { timeout: 120_000 }, async (t) => {
  const p = await plant(scratchDir(t, 'hostile-child'), 'lock');
  const child = await QueueProcess.start(t, { queue: p.base, options: { crashDetection: 'lock' } });
  let handled = 0;
  while (await child.request<boolean>({ op: 'receiveOne', timeout: 0 })) assert.ok(++handled < 100, 'receiveOne never runs dry');
  const ran: string[] = [];
  for (let i = 0; i < p.real.length; i++) ran.push((await child.nextEvent('running')).name);
  assertSafelyHandled(p, ran);
  // Still alive and answering: one more job goes through, and it is the next handler run
  // (an odd entry that had reached a handler would show up here instead).
  const { ids } = await child.send({ data: 'after the gauntlet' });
  assert.equal(await child.request({ op: 'receiveOne', timeout: 0 }), true);
  assert.equal((await child.nextEvent('running')).id, ids[0]);
  await child.close();
});

test('a queue the user cannot write (as nobody): clear NO_ACCESS errors, nothing moved, the consumer keeps serving', { timeout: 120_000 }, async (t) => {
  const dir = scratchDir(t, 'hostile-perm');
  fs.chmodSync(dir, 0o755);
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const id = q.sendData("root's job");
  const deadDir = path.join(base, 'processing', `raw-${newJobId()}.${await pidOfExitedProcess()}`);
  fs.mkdirSync(deadDir);
  fs.writeFileSync(path.join(deadDir, 'raw'), "a dead owner's job");
  const before = takeCensus(base);

  const nobody = await QueueProcess.start(t, { queue: base, prefix: NOBODY });
  const noAccess = (what: string) => (e: unknown) => {
    assert.ok(e instanceof ChildQueueError, `${what}: ${String(e)}`);
    assert.equal(e.code, 'NO_ACCESS', `${what}: ${e.message}`);
    assert.match(e.message, /^Permission denied while .*EACCES/);
    return true;
  };
  await assert.rejects(nobody.send({ data: 'x' }), noAccess('send'));
  await assert.rejects(nobody.request({ op: 'receiveOne', timeout: 0 }), noAccess('receive'));
  await assert.rejects(nobody.request({ op: 'recover' }), noAccess('recover'));
  // Refused, not broken: the process still answers, and nothing moved.
  await assert.rejects(nobody.request({ op: 'receiveOne', timeout: 0 }), noAccess('receive again'));
  assert.deepEqual(takeCensus(base), before);
  await nobody.close();

  // The CLI says the same with sysexits 77; reading still works.
  const send = await runCli(['send', base, '--data', 'x'], { asUser: 65534 });
  assert.equal(send.code, 77, send.stderr);
  assert.match(send.stderr, /Permission denied/);
  const consume = await runCli(['consume', base, '--once', '--', 'true'], { asUser: 65534 });
  assert.equal(consume.code, 77, consume.stderr);
  const status = await runCli(['status', base, id], { asUser: 65534 });
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(takeCensus(base), before);

  // A queue that does not exist yet, in a folder the user cannot write.
  await assert.rejects(QueueProcess.start(t, { queue: path.join(dir, 'new-q'), prefix: NOBODY }), /Permission denied|NO_ACCESS/);
});

test(
  'a base path that is a file, or inside a file: NOT_A_DIRECTORY for the library, exit 73 for the CLI; the file is untouched',
  { timeout: 120_000 },
  async (t) => {
    const dir = scratchDir(t, 'hostile-base');
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'mine');
    for (const base of [file, path.join(file, 'q')]) {
      assert.throws(() => new Pacchettino(base), isQueueError('NOT_A_DIRECTORY', /not a directory/));
      for (const args of [
        ['send', base, '--data', 'x'],
        ['consume', base, '--once', '--', 'true'],
        ['status', base],
      ]) {
        const r = await runCli(args);
        assert.equal(r.code, 73, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /not a directory/);
      }
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'mine');
  },
);
