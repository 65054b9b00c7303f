// A live job is never taken from its owner on one machine: not when the wall clock steps
// ten minutes either way (NTP, a user's `date -s`; here libfaketime on the sweeper), not
// when the handler backdates its own claim (tar restores `./`'s mtime), not in lock
// mode when Ctrl-C or a SIGTERM to the process group reaches the flock holder; and a
// lock-mode consumer whose holder died claims nothing more under the lock nobody holds.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, sentId, startConsumer, type CliProcess } from '../support/cli';
import { childPids, startIdleProcess } from '../support/processes';
import { entries, scratchDir } from '../support/scratch';
import { layOutQueue, uuidV7 } from '../support/originalLayout';
import { isLocked as lockHeld } from '../support/flock';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** A handler that says it runs, then waits for a line on the FIFO named by $GO (no polling, no sleep). */
const WAIT_FOR_GO = 'echo "running $PACCHETTINO_JOB_ID"; read line < "$GO"';

function fifo(dir: string, name: string): string {
  const p = path.join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

/** Lets the handler waiting on `fifo` finish (opening a FIFO for writing blocks until the reader is there: it is). */
function go(fifoPath: string): void {
  fs.writeFileSync(fifoPath, 'go\n');
}

async function consumerInHand(
  t: TestContext,
  q: string,
  dir: string,
  label: string,
  extra: string[],
  handler = WAIT_FOR_GO,
  /** A file to send as a file job (its claim a dir, the dir form), rather than a data job (the file form). */
  file?: string,
): Promise<{ c: CliProcess; id: string; fifo: string }> {
  const id = sentId(await runCli(['send', q, ...(file ? ['--file', file] : ['--data', label])]));
  const f = fifo(dir, `go-${label}`);
  const c = startConsumer(t, q, [...extra, '--', 'sh', '-c', handler], { env: { GO: f } });
  await c.waitForLine(new RegExp(`^running ${id}$`));
  return { c, id, fifo: f };
}

function recoverWithClock(q: string, shift: string, extra: string[] = []) {
  return runCli(['recover', q, ...extra], { env: { LD_PRELOAD: LIBFAKETIME, FAKETIME: shift, DONT_FAKE_MONOTONIC: '1' } });
}

test("a wall-clock step of ±10 minutes never interrupts a live job: pid mode, lock mode, and the original's pid-named dirs", { timeout: 60_000 }, async (t) => {
  const dir = scratchDir(t, 'clock-step');
  const q = path.join(dir, 'q');
  const pid = await consumerInHand(t, q, dir, 'pid', []);
  const lock = await consumerInHand(t, q, dir, 'lock', ['--lock']);
  // A claim of the original's, by a live process that started before its dir was made.
  const original = await startIdleProcess(t);
  layOutQueue(q);
  const origName = `raw-${uuidV7(Date.now())}`;
  fs.mkdirSync(path.join(q, 'processing', `${origName}.${original.pid}`));
  fs.writeFileSync(path.join(q, 'processing', `${origName}.${original.pid}`, 'raw'), 'the original runs this');

  for (const shift of ['+10m', '-10m', '+2s']) {
    for (const mode of [[], ['--lock']]) {
      const r = await recoverWithClock(q, shift, mode);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '0 recovered\n', `recover ${mode.join(' ')} with the clock ${shift}`);
    }
  }
  assert.equal(entries(path.join(q, 'processing')).length, 3);
  go(pid.fifo);
  go(lock.fifo);
  for (const { c, id } of [pid, lock]) {
    await c.waitForLine(new RegExp(`^SUCCESS ${id} `));
    c.kill('SIGTERM');
    assert.equal((await c.exit()).code, 0);
  }
  assert.deepEqual(entries(path.join(q, 'success')).sort(), [`raw-${pid.id}`, `raw-${lock.id}`].sort());
  assert.deepEqual(entries(path.join(q, 'processing')), [`${origName}.${original.pid}`]);
});

// A data job's claim is the payload itself (the file form), a file job's a dir (the original's
// form): either backdated by its handler keeps its live owner.
for (const kind of ['data', 'file'] as const) {
  test(`a handler that backdates its own claim (as tar does to ./; ${kind} job) is not taken for dead`, { timeout: 30_000 }, async (t) => {
    const dir = scratchDir(t, 'backdated');
    const q = path.join(dir, 'q');
    const target = kind === 'data' ? '"$PACCHETTINO_JOB_FILE"' : '"$(dirname "$PACCHETTINO_JOB_FILE")"';
    const backdate = `touch -d '2001-02-03 04:05:06' ${target}; ${WAIT_FOR_GO}`;
    let file: string | undefined;
    if (kind === 'file') fs.writeFileSync((file = path.join(dir, 'in.tar')), 'tarball');
    const { c, id, fifo: f } = await consumerInHand(t, q, dir, 'tar', [], backdate, file);
    const claimed = path.join(q, 'processing', kind === 'data' ? `raw-${id}.${c.pid}` : `fle-${id}-in.tar.${c.pid}`);
    assert.equal(fs.statSync(claimed).mtime.getUTCFullYear(), 2001, 'the handler backdated its claim');
    const r = await runCli(['recover', q]);
    assert.equal(r.stdout, '0 recovered\n');
    go(f);
    await c.waitForLine(new RegExp(`^SUCCESS ${id} `));
    c.kill('SIGTERM');
    assert.equal((await c.exit()).code, 0);
  });
}

/** The util-linux flock child holding a lock-mode consumer's owner lock (see ownerLock.ts). */
function lockHolderOf(consumerPid: number): { pid: number; token: string } {
  for (const kid of childPids(consumerPid)) {
    const argv = fs.readFileSync(`/proc/${kid}/cmdline`, 'utf8').split('\0');
    const m = argv[0] === 'flock' ? /\/owner-([0-9a-z]+)$/.exec(argv[2] ?? '') : null;
    if (m) return { pid: kid, token: m[1] };
  }
  throw new Error(`no flock child of ${consumerPid}`);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`lock mode: ${sig} to the consumer's process group leaves the owner lock held while the job in hand finishes`, { timeout: 30_000 }, async (t) => {
    const dir = scratchDir(t, `lock-${sig}`);
    const q = path.join(dir, 'q');
    const { c, id, fifo: f } = await consumerInHand(t, q, dir, 'held', ['--lock']);
    const holder = lockHolderOf(c.pid);
    c.killGroup(sig);
    await c.waitForLine(new RegExp(`${sig}: finishing the job\\(s\\) in hand`), { stream: 'stderr' });
    assert.ok(lockHeld(path.join(q, 'owners', holder.token)), 'the owner lock is still held');
    for (const mode of [['--lock'], []]) assert.equal((await runCli(['recover', q, ...mode])).stdout, '0 recovered\n');
    go(f);
    const r = await c.exit();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^SUCCESS ${id} `, 'm'));
    assert.deepEqual(entries(path.join(q, 'success')), [`raw-${id}`]);
  });
}

test('lock mode: a consumer whose lock holder died claims nothing more under that lock, only under a new one it holds', { timeout: 30_000 }, async (t) => {
  const dir = scratchDir(t, 'lock-holder-dies');
  const q = path.join(dir, 'q');
  const first = await consumerInHand(t, q, dir, 'first', ['--lock']);
  const old = lockHolderOf(first.c.pid);
  process.kill(old.pid, 'SIGKILL');
  go(first.fifo);
  await first.c.waitForLine(new RegExp(`^SUCCESS ${first.id} `));
  // The next job: claimed under a token whose lock is held, not the orphaned one.
  const id = sentId(await runCli(['send', q, '--data', 'second']));
  await first.c.waitForLine(new RegExp(`^running ${id}$`));
  const [claim] = entries(path.join(q, 'processing'));
  const token = claim.slice(claim.lastIndexOf('.') + 1);
  assert.notEqual(token, old.token);
  assert.ok(lockHeld(path.join(q, 'owners', token)), 'the new owner lock is held');
  await first.c.waitForLine(/lost its lock or lease: claiming as a new owner/, { stream: 'stderr' });
  assert.equal((await runCli(['recover', q, '--lock'])).stdout, '0 recovered\n');
  go(first.fifo);
  await first.c.waitForLine(new RegExp(`^SUCCESS ${id} `));
  first.c.kill('SIGTERM');
  assert.equal((await first.c.exit()).code, 0);
});
