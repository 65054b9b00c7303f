// Nothing outside the queue is read, changed or deleted: a tmp/ or a state folder that is a
// link to a folder outside, a project folder's own tmp/ (README invites adding any folder as
// a queue), a queued job swapped for a link or a FIFO between the consumer's listing and its
// claim (held open with strace), and `send --move` of a link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protocol from '@pacchettino/shared';
import { KeepPolicy, Pacchettino, newJobId } from 'pacchettino';
import { scratchDir } from '../support/scratch';
import { runCli } from '../support/cli';
import { QueueProcess } from '../support/queueProcess';
import { isQueueError } from '../support/queueErrors';
import { WorkerConnection, settingsFor } from '../support/workerConnection';
import { takeCensus } from './support/census';
import { armKill, untilHeld } from './support/killAtSyscall';

const TWO_HOURS_AGO = (Date.now() - 2 * 3600_000) / 1000;

/** A folder outside the queue holding files named as the queue names its own, all two hours old. */
function plantOutside(dir: string): { outside: string; names: string[]; intact(): void } {
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(path.join(outside, 'sub'), { recursive: true });
  const names = ['precious.txt', newJobId(), `raw-${newJobId()}`, `fle-${newJobId()}-report.pdf`, `owner-abcdefghij`, path.join('sub', 'deep.txt')];
  for (const n of names) fs.writeFileSync(path.join(outside, n), `outside: ${n}`);
  for (const n of [...names, 'sub']) fs.utimesSync(path.join(outside, n), TWO_HOURS_AGO, TWO_HOURS_AGO);
  return {
    outside,
    names,
    intact() {
      for (const n of names) assert.equal(fs.readFileSync(path.join(outside, n), 'utf8'), `outside: ${n}`, `${n} outside the queue is intact`);
    },
  };
}

/** A queue whose `folder` is replaced by a link to a folder outside. */
function queueWithLinkedFolder(dir: string, folder: string): string {
  const base = path.join(dir, 'q');
  void new Pacchettino(base);
  fs.rmSync(path.join(base, folder), { recursive: true });
  fs.symlinkSync(path.join(dir, 'outside'), path.join(base, folder));
  return base;
}

for (const folder of ['tmp', 'queued', 'processing', 'success', 'failed', 'interrupted', 'scheduled', 'owners', '.pacchettino/meta']) {
  test(`a queue whose ${folder}/ is a link to a folder outside: a clear NOT_A_DIRECTORY everywhere, nothing outside touched`, async (t) => {
    const dir = scratchDir(t, 'linked-folder');
    const out = plantOutside(dir);
    const base = queueWithLinkedFolder(dir, folder);
    assert.throws(() => new Pacchettino(base), isQueueError('NOT_A_DIRECTORY', new RegExp(`${folder.replace('.', '\\.')}.*not a (real )?directory`)));
    for (const args of [
      ['cleanup', base, '--success'],
      ['cleanup', base],
      ['consume', base, '--once', '--', 'true'],
      ['recover', base],
      ['status', base],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 73, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /not a (real )?directory/);
    }
    const w = await WorkerConnection.start(t, settingsFor([base]));
    const reply = await w.raw(protocol.CleanupRequest.method, { queue: base, states: ['SUCCESS', 'FAILED', 'INTERRUPTED'] });
    assert.equal(reply.error?.code, protocol.WorkerErrorCodes.QueueUnavailable, JSON.stringify(reply));
    assert.match(reply.error.message, /not a real directory/);
    out.intact();
  });
}

test('a state folder swapped for a link while the queue is open: cleanup and receive refuse, nothing outside touched', async (t) => {
  const dir = scratchDir(t, 'swapped-folder');
  const out = plantOutside(dir);
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  t.after(() => q.close());
  q.onJob = () => 'SUCCESS';
  for (const folder of ['success', 'queued', 'tmp']) {
    fs.renameSync(path.join(base, folder), path.join(dir, `${folder}.real`));
    fs.symlinkSync(out.outside, path.join(base, folder));
  }
  assert.throws(() => q.cleanup(KeepPolicy.ALL), isQueueError('NOT_A_DIRECTORY'));
  await assert.rejects(q.receive(), isQueueError('NOT_A_DIRECTORY'));
  out.intact();
});

test('a project folder added as a queue keeps its own tmp/: cleanup removes only what the queue wrote there', async (t) => {
  const dir = scratchDir(t, 'project-tmp');
  const project = path.join(dir, 'project');
  const mine = ['notes.txt', 'build/out.o', 'build', 'sched-1234', 'owner-of-this.txt'];
  fs.mkdirSync(path.join(project, 'tmp', 'build'), { recursive: true });
  for (const f of mine.filter((f) => f !== 'build')) fs.writeFileSync(path.join(project, 'tmp', f), `the project's ${f}`);
  // What our writers leave in tmp/ when killed mid-write: a send's tmp/<uuid>, a lock owner's tmp/owner-<token>.
  const ours = [newJobId(), 'owner-k3x9q0z2ab'];
  for (const f of ours) fs.writeFileSync(path.join(project, 'tmp', f), 'half written');
  for (const f of [...mine, ...ours]) fs.utimesSync(path.join(project, 'tmp', f), TWO_HOURS_AGO, TWO_HOURS_AGO);
  // Added as a queue: opening it makes the queue's folders beside the project's own.
  void new Pacchettino(project);
  const r = await runCli(['cleanup', project, '--success']);
  assert.equal(r.code, 0, r.stderr);
  for (const f of mine.filter((f) => f !== 'build')) assert.equal(fs.readFileSync(path.join(project, 'tmp', f), 'utf8'), `the project's ${f}`, f);
  for (const f of ours) assert.equal(fs.existsSync(path.join(project, 'tmp', f)), false, `our stale ${f} is removed`);
});

for (const swapIn of ['symlink', 'fifo'] as const) {
  test(`a queued job swapped for a ${swapIn} after the consumer listed queued/: the handler never gets it, nothing is read or followed`, async (t) => {
    const dir = scratchDir(t, `swap-${swapIn}`);
    const secret = path.join(dir, 'shadow');
    fs.writeFileSync(secret, 'root:$6$secret');
    const base = path.join(dir, 'q');
    const q = new Pacchettino(base);
    const id = q.sendData('the real payload');
    await q.close();
    const consumer = await QueueProcess.start(t, { queue: base });
    // Stall the consumer at the end of its listing of queued/: it has seen a regular file.
    const armed = await armKill(
      consumer.hostPid(),
      { syscalls: ['getdents64'], paths: [path.join(base, 'queued')], stall: '2s' },
      path.join(dir, 'strace.log'),
    );
    const received = consumer.request<boolean>({ op: 'receiveOne', timeout: 0 });
    await untilHeld(armed);
    const planted = path.join(dir, 'planted');
    if (swapIn === 'symlink') fs.symlinkSync(secret, planted);
    else execFileSync('mkfifo', [planted]);
    fs.renameSync(planted, path.join(base, 'queued', `raw-${id}`));
    assert.equal(await received, true, 'the consumer claimed the swapped entry (and failed it)');
    armed.strace.kill('SIGKILL'); // strace stays attached until its tracee exits: detach it now
    await armed.done;
    // The next handler run is a job sent now: the swapped entry never reached a handler.
    const { ids } = await consumer.send({ data: 'next' });
    assert.equal(await consumer.request({ op: 'receiveOne', timeout: 0 }), true);
    assert.equal((await consumer.nextEvent('running')).id, ids[0], 'the swapped entry was handed to the handler');
    await consumer.close();
    const filed = path.join(base, 'failed', `raw-${id}`);
    const st = fs.lstatSync(filed);
    assert.ok(swapIn === 'symlink' ? st.isSymbolicLink() : st.isFIFO(), 'the swapped entry itself is filed under failed/');
    assert.match(new Pacchettino(base).details(id)?.reason ?? '', /not a regular file/);
    assert.equal(fs.readFileSync(secret, 'utf8'), 'root:$6$secret');
  });
}

test('send --file <link> --move is refused: the link stays, its target is untouched, nothing is queued', async (t) => {
  const dir = scratchDir(t, 'move-link');
  const target = path.join(dir, 'target.txt');
  fs.writeFileSync(target, 'the real file');
  const link = path.join(dir, 'link.txt');
  fs.symlinkSync(target, link);
  const base = path.join(dir, 'q');
  const r = await runCli(['send', base, '--file', link, '--move']);
  assert.equal(r.code, 66, r.stderr);
  assert.match(r.stderr, /link\.txt is a symbolic link.*--move/);
  const q = new Pacchettino(base);
  assert.throws(() => q.sendFile(link, { move: true }), isQueueError('NOT_A_FILE', /symbolic link/));
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.equal(fs.readlinkSync(link), target);
  assert.equal(fs.readFileSync(target, 'utf8'), 'the real file');
  assert.deepEqual([...takeCensus(base).places], []);
  // Without --move, a link's target is copied, as any reader of the link would see it.
  const id = q.sendFile(link);
  assert.equal(fs.readFileSync(path.join(base, 'queued', `fle-${id}-link.txt`), 'utf8'), 'the real file');
});
