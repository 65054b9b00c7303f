// Bookkeeping that must agree with the disk: the reason shown for a job the original failed
// after we retried it, records whose job the original deleted, the attempt number a handler
// sees when a requeue races its claim (held open with strace), README's owner tokens, the
// scheduler's cost per job under a backlog of delayed jobs, and the worker's watch on its
// client when it runs as another user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protocol from '@pacchettino/shared';
import { KeepPolicy, Pacchettino } from 'pacchettino';
import { scratchDir } from '../support/scratch';
import { CLI_MAIN, NOBODY, runCli, startConsumer, writeScript } from '../support/cli';
import { exitOf } from '../support/processes';
import { WorkerConnection, settingsFor } from '../support/workerConnection';
import { underInjection } from './support/killAtSyscall';

/** What the original does with a queued job whose handler fails: claim by mkdir + rename, file under failed/. */
function originalFails(base: string, name: string): void {
  const dir = path.join(base, 'processing', `${name}.${process.pid}`);
  fs.mkdirSync(dir);
  fs.renameSync(path.join(base, 'queued', name), path.join(dir, 'raw'));
  fs.renameSync(path.join(dir, 'raw'), path.join(base, 'failed', name));
  fs.rmSync(dir, { recursive: true });
}

test("a job we retried and the original then failed does not show our retry's reason as why it failed", async (t) => {
  const base = path.join(scratchDir(t, 'stale-reason'), 'q');
  const q = new Pacchettino(base);
  t.after(() => q.close());
  const id = q.sendData('x');
  q.onData = () => ({ result: 'RETRY', reason: 'our retry: the printer was busy' });
  assert.equal(await q.receiveOne(), true);
  originalFails(base, `raw-${id}`);
  assert.equal(q.status(id), 'FAILED');
  assert.equal(q.details(id)?.reason, undefined, 'the reason of an earlier RETRY is no reason for this failure');
  assert.equal(q.list('FAILED').jobs[0].reason, undefined);
  const r = await runCli(['status', base, id, '--json']);
  const shown = JSON.parse(r.stdout) as { reason?: string; record?: { reason?: string } };
  assert.equal(shown.reason, undefined, r.stdout);
  assert.equal(shown.record?.reason, undefined, r.stdout);
});

test('records whose job the original deleted are removed by our cleanup; records of jobs still there stay', async (t) => {
  const base = path.join(scratchDir(t, 'orphan-records'), 'q');
  const q = new Pacchettino(base, { keep: KeepPolicy.ALL });
  t.after(() => q.close());
  q.onData = () => ({ result: 'FAILED', reason: 'no' });
  const gone = q.sendData('deleted by the original');
  const kept = q.sendData('still failed');
  assert.equal(await q.receive(), 2);
  const record = (id: string) => path.join(base, '.pacchettino', 'meta', `${id}.json`);
  fs.rmSync(path.join(base, 'failed', `raw-${gone}`)); // the original's cleanup, or its keep NONE
  const old = (Date.now() - 2 * 3600_000) / 1000;
  for (const id of [gone, kept]) fs.utimesSync(record(id), old, old);
  const r = await runCli(['cleanup', base, '--success']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.existsSync(record(gone)), false, 'the orphan record is removed');
  assert.equal(q.details(kept)?.reason, 'no', 'a job still in failed/ keeps its record');
});

test('the attempt a handler sees is the one stored, when a requeue races a waiting consumer', async (t) => {
  const dir = scratchDir(t, 'attempts');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  t.after(() => q.close());
  const id = q.sendData('x');
  const seen = path.join(dir, 'seen');
  const go = path.join(dir, 'go');
  fs.writeFileSync(go, '');
  const handler = writeScript(dir, 'h.sh', `echo "$PACCHETTINO_JOB_ATTEMPT" >> "${seen}"\nwhile [ ! -e "${go}" ]; do sleep 0.05; done\nexit 1`);
  const consumer = startConsumer(t, base, ['--', handler]);
  await consumer.waitForLine(new RegExp(`^FAILED ${id}`));
  assert.equal(q.details(id)?.attempts, 1);
  fs.rmSync(go);
  // The requeuer stalls right after its rename into queued/: the consumer claims the job then.
  const log = path.join(dir, 'strace.log');
  const argv = underInjection({ syscalls: ['rename', 'renameat', 'renameat2'], paths: [path.join(base, 'failed', `raw-${id}`)], stall: '4s' }, log, [
    process.execPath,
    CLI_MAIN,
    'requeue',
    base,
    id,
  ]);
  const requeuer = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  await consumer.waitForLine(/^START .*/, { timeoutMs: 15_000 }).then(() => undefined);
  await exitOf(requeuer);
  fs.writeFileSync(go, '');
  await consumer.waitForLine(new RegExp(`^FAILED ${id}`), { timeoutMs: 15_000 });
  const runs = () => consumer.lines().filter((l) => l.startsWith(`FAILED ${id}`)).length;
  assert.equal(runs() >= 1, true);
  // Wait for the second run's line (the first matched already).
  for (let i = 0; runs() < 2 && i < 300; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(runs(), 2, consumer.transcript());
  const attempts = fs.readFileSync(seen, 'utf8').trim().split('\n').map(Number);
  assert.equal(attempts.length, 2);
  assert.equal(attempts[1], q.details(id)?.attempts, `the handler saw attempt ${attempts[1]}; the record says ${q.details(id)?.attempts}`);
});

test('README describes lock-mode owner tokens as a lock-mode consumer makes them', async (t) => {
  const base = path.join(scratchDir(t, 'tokens'), 'q');
  const q = new Pacchettino(base, { crashDetection: 'lock' });
  q.sendData('x');
  let token = '';
  q.onJob = () => {
    token = fs.readdirSync(path.join(base, 'owners'))[0];
    return 'SUCCESS';
  };
  await q.receive();
  await q.close();
  const readme = fs.readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
  const sentence = /owners\/<token>`[^]*?leaves them alone/.exec(readme)?.[0] ?? '';
  assert.doesNotMatch(sentence, /start with `lock`/, 'README says tokens start with `lock`');
  assert.match(sentence, /10 characters of `\[0-9a-z\]`/);
  assert.match(token, /^[a-z][0-9a-z]{9}$/);
});

test('a backlog of 30,000 delayed jobs does not make the cost per job grow', { timeout: 300_000 }, async (t) => {
  const JOBS = 300;
  const rate = async (backlog: number): Promise<number> => {
    const base = path.join(scratchDir(t, 'backlog'), 'q');
    const q = new Pacchettino(base, { retryDelay: 1, retryBackoff: 'fixed' });
    for (let i = 0; i < backlog; i++) q.sendData('later', { delay: 3600_000 });
    for (let i = 0; i < JOBS; i++) q.sendData('now');
    // Each job asks for one retry: it goes through scheduled/ and back, as RETRY with a delay does.
    q.onData = (job) => (job.attempt === 1 ? 'RETRY' : 'SUCCESS');
    let done = 0;
    q.on('job', (e: { result: string }) => (done += e.result === 'SUCCESS' ? 1 : 0));
    const started = process.hrtime.bigint();
    while (done < JOBS) await q.receiveOne({ timeout: 100, randomize: false });
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    await q.close();
    return JOBS / s;
  };
  const empty = await rate(0);
  const backlogged = await rate(30_000);
  t.diagnostic(`jobs/s with no backlog ${empty.toFixed(0)}, with 30,000 delayed jobs ${backlogged.toFixed(0)}`);
  assert.ok(backlogged > empty / 3, `the backlog made each job ${(empty / backlogged).toFixed(1)}x as costly`);
});

test('a worker running as another user than its client outlives the 3 s watch on the client', { timeout: 60_000 }, async (t) => {
  const dir = scratchDir(t, 'worker-other-user');
  fs.chmodSync(dir, 0o755);
  const q = path.join(dir, 'q');
  new Pacchettino(q).sendData('x');
  fs.chmodSync(q, 0o755);
  const w = await WorkerConnection.start(t, settingsFor([q]), { asUser: NOBODY });
  const gone = await Promise.race([w.exited.then((e) => e), new Promise<undefined>((r) => setTimeout(r, 7000, undefined))]);
  assert.equal(gone, undefined, `the worker exited after its client watch failed: ${JSON.stringify(gone)}`);
  const reply = await w.raw(protocol.JobsRequest.method, { queue: q, state: 'QUEUED' });
  assert.equal((reply.result as protocol.WireJobPage | undefined)?.total, 1, JSON.stringify(reply));
});
