// Nothing in a queue folder hangs or crashes a consumer or the worker: a FIFO where an owner
// file or a job record belongs, entries laid by hand that collide with where a job must go,
// names that are not valid UTF-8, files whose size lies (sysfs, procfs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protocol from '@pacchettino/shared';
import { KeepPolicy, Pacchettino, fsPath, newJobId } from 'pacchettino';
import { scratchDir } from '../support/scratch';
import { CLI_MAIN, runCli, writeScript } from '../support/cli';
import { pidOfExitedProcess } from '../support/processes';
import { WorkerConnection, settingsFor } from '../support/workerConnection';

const TOKEN = 'f1f0own3rx';

test('an owner file that is a FIFO: recover, consume and the worker answer, and its job is recovered', async (t) => {
  const dir = scratchDir(t, 'fifo-owner');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  execFileSync('mkfifo', [path.join(base, 'owners', TOKEN)]);
  const name = `raw-${newJobId()}`;
  fs.mkdirSync(path.join(base, 'processing', `${name}.${TOKEN}`));
  fs.writeFileSync(path.join(base, 'processing', `${name}.${TOKEN}`, 'raw'), 'held by a FIFO');
  // The worker sweeps as it starts: it must answer, and have recovered the job.
  const w = await WorkerConnection.start(t, settingsFor([base]));
  const reply = await w.raw(protocol.RecoverRequest.method, { queue: base }, 10_000);
  assert.equal(reply.error, undefined, JSON.stringify(reply));
  assert.equal(fs.readFileSync(path.join(base, 'interrupted', name), 'utf8'), 'held by a FIFO');
  fs.renameSync(path.join(base, 'interrupted', name), path.join(base, 'queued', 'x'));
  fs.mkdirSync(path.join(base, 'processing', `${name}.${TOKEN}`));
  fs.renameSync(path.join(base, 'queued', 'x'), path.join(base, 'processing', `${name}.${TOKEN}`, 'raw'));
  const r = await runCli(['recover', base], { timeoutMs: 10_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`interrupted ${name}`));
  const c = await runCli(['consume', base, '--once', '--lock', '--', 'true'], { timeoutMs: 10_000 });
  assert.equal(c.code, 0, c.stderr);
  assert.equal(fs.readFileSync(path.join(base, 'interrupted', name), 'utf8'), 'held by a FIFO');
  assert.ok(fs.lstatSync(path.join(base, 'owners', TOKEN)).isFIFO(), 'the FIFO is not ours to remove: it stays');
  await q.close();
});

test('a job record that is a FIFO does not hang the consumer: the job runs and is filed', async (t) => {
  const dir = scratchDir(t, 'fifo-record');
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const id = q.sendData('x');
  execFileSync('mkfifo', [path.join(base, '.pacchettino', 'meta', `${id}.json`)]);
  const r = await runCli(['consume', base, '--once', '--', 'sh', '-c', 'echo "attempt $PACCHETTINO_JOB_ATTEMPT"; exit 3'], { timeoutMs: 10_000 });
  assert.equal(r.code, 1, `exit 1: a job failed (the handler's exit 3); ${r.stderr}`);
  assert.match(r.stdout, /attempt 1/);
  assert.equal(q.status(id), 'FAILED');
  assert.equal(q.list('FAILED').jobs[0]?.id, id);
  await q.close();
});

/** The colliding entries: each must cost only itself, with a warning, on every run. */
async function plantCollisions(base: string) {
  const q = new Pacchettino(base, { keep: KeepPolicy.ALL });
  const real = [q.sendData('real 1'), q.sendData('real 2')];
  // A dead owner's job whose name is already a non-empty folder in interrupted/.
  const stranded = `raw-${newJobId()}`;
  const deadDir = path.join(base, 'processing', `${stranded}.${await pidOfExitedProcess()}`);
  fs.mkdirSync(deadDir);
  fs.writeFileSync(path.join(deadDir, 'raw'), 'stranded payload');
  fs.mkdirSync(path.join(base, 'interrupted', stranded));
  fs.writeFileSync(path.join(base, 'interrupted', stranded, 'inside'), 'x');
  // A due scheduled job whose name is already a folder in queued/.
  const due = `raw-${newJobId()}`;
  fs.writeFileSync(path.join(base, 'scheduled', `0-${due}`), 'due payload');
  fs.mkdirSync(path.join(base, 'queued', due));
  fs.writeFileSync(path.join(base, 'queued', due, 'inside'), 'x');
  // A job whose record is a folder, run with keep NONE (the record must go with the job).
  const recordDir = q.sendData('record is a folder');
  fs.mkdirSync(path.join(base, '.pacchettino', 'meta', `${recordDir}.json`));
  await q.close();
  return { real, stranded, due, recordDir };
}

for (const keep of ['all', 'none'] as const) {
  test(`colliding entries laid by hand (keep ${keep}): each costs only itself, with a warning; no consumer fails on any run`, async (t) => {
    const dir = scratchDir(t, 'collisions');
    const base = path.join(dir, 'q');
    const p = await plantCollisions(base);
    let printed = '';
    for (const run of [1, 2]) {
      const r = await runCli(['consume', base, '--once', '--keep', keep, '--', 'true']);
      printed += r.stdout;
      // 1: a job failed (the folder in queued/ is no job's file), not an error of the consumer.
      assert.ok(r.code === 0 || r.code === 1, `run ${run} exited ${r.code}: ${r.stdout}${r.stderr}`);
      if (run === 1) {
        // (With keep none a dead owner's job is dropped, not filed: nothing collides.)
        if (keep === 'all') assert.match(r.stderr, new RegExp(`warning.*${p.stranded}`, 'i'), 'the stranded job is named in a warning');
        assert.match(r.stderr, new RegExp(`warning.*${p.due}`, 'i'), 'the due job is named in a warning');
        if (keep === 'none') assert.match(r.stderr, new RegExp(`warning.*${p.recordDir}`, 'i'), 'the record folder is named in a warning');
        for (const id of p.real) assert.match(r.stdout, new RegExp(`SUCCESS ${id}`));
      }
    }
    // Nothing was lost: the stranded (unless keep none dropped it) and due payloads are still in the queue.
    const q = new Pacchettino(base);
    const processing = fs.readdirSync(path.join(base, 'processing'));
    if (keep === 'all') assert.equal(fs.readFileSync(path.join(base, 'processing', processing[0], 'raw'), 'utf8'), 'stranded payload');
    else assert.deepEqual(processing, []);
    // The due job ran once its place in queued/ was free (the folder there is failed as not a job's file).
    if (keep === 'all') assert.notEqual(q.status(p.due), 'UNKNOWN');
    else assert.match(printed, new RegExp(`SUCCESS ${p.due.slice(4)}`));
    for (const args of [
      ['status', base],
      ['recover', base],
      ['ls', base, 'interrupted'],
    ]) {
      const s = await runCli(args);
      assert.equal(s.code, 0, `${args.join(' ')}: ${s.stderr}`);
    }
    await q.close();
  });
}

const LATIN1 = Buffer.from('caf\xe9 cr\xe8me.txt', 'latin1'); // not valid UTF-8

test('names that are not valid UTF-8 are handled as bytes: sent, claimed, run, listed, counted and deleted', async (t) => {
  const dir = scratchDir(t, 'latin1');
  const base = path.join(dir, 'q');
  const source = Buffer.concat([Buffer.from(`${dir}/`), LATIN1]);
  fs.writeFileSync(source, 'latin-1 named');
  // The CLI, given the name's bytes on its command line (as a shell passes them).
  const sent = spawnSync('sh', ['-c', `exec "$0" "$1" send "$2" --file "$(printf 'caf\\351 cr\\350me.txt')"`, process.execPath, CLI_MAIN, base], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 15_000,
  });
  assert.equal(sent.status, 0, sent.stderr);
  // The library, given a Buffer path; and a job laid in queued/ by another program.
  const q = new Pacchettino(base);
  t.after(() => q.close());
  q.sendFile(source);
  const byHand = Buffer.concat([Buffer.from(`${base}/queued/fle-${newJobId()}-`), LATIN1]);
  fs.writeFileSync(byHand, 'latin-1 named');
  assert.equal(q.count('QUEUED'), 3);
  const page = q.list('QUEUED');
  assert.equal(page.jobs.length, 3);
  for (const j of page.jobs) assert.deepEqual(Buffer.from(fs.readFileSync(fsPath(j.path))), Buffer.from('latin-1 named'));

  const out = path.join(dir, 'seen');
  const handler = writeScript(dir, 'h.sh', `cat "$PACCHETTINO_JOB_FILE" >> "${out}" && echo >> "${out}"`);
  const r = await runCli(['consume', base, '--once', '--', handler]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.match(/^SUCCESS /gm)?.length, 3, r.stdout);
  assert.equal(fs.readFileSync(out, 'utf8'), 'latin-1 named\n'.repeat(3));
  const success = fs.readdirSync(path.join(base, 'success'), { encoding: 'buffer' });
  assert.equal(success.length, 3);
  for (const n of success) assert.ok(n.subarray(41).equals(LATIN1), `success/ holds the name's very bytes: ${n.toString('latin1')}`);

  const ls = await runCli(['ls', base, 'success']);
  assert.equal(ls.code, 0, ls.stderr);
  assert.equal(ls.stdout.match(/caf\\xe9 cr\\xe8me\.txt/g)?.length, 3, `ls shows each byte that is not UTF-8 as \\xHH:\n${ls.stdout}`);
  const status = await runCli(['status', base, '--json']);
  assert.equal((JSON.parse(status.stdout) as { counts: { SUCCESS: number } }).counts.SUCCESS, 3, status.stdout);
  const id = q.list('SUCCESS').jobs[0].id;
  q.remove(id);
  assert.equal(q.status(id), 'UNKNOWN');
  const cleanup = await runCli(['cleanup', base]);
  assert.equal(cleanup.stdout.trim(), '2 deleted');
  assert.deepEqual(fs.readdirSync(path.join(base, 'success')), [], 'cleanup deleted what it said it did');
});

for (const file of ['/sys/devices/system/cpu/online', '/proc/cpuinfo']) {
  test(`a file whose size lies (${file}): sent whole, copied to its end, with a note on what happened`, async (t) => {
    const dir = scratchDir(t, 'lying-size');
    const base = path.join(dir, 'q');
    const truth = fs.readFileSync(file);
    assert.notEqual(fs.statSync(file).size, truth.length, `${file} no longer lies about its size here`);
    const r = await runCli(['send', base, '--file', file], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: .*${file}: its size said ${fs.statSync(file).size} bytes; \\d+ bytes were copied, up to its end`));
    const id = r.stdout.trim().split('\n').pop()!;
    const payload = (n: string) => fs.readFileSync(path.join(base, 'queued', `fle-${n}-${path.basename(file)}`));
    // /proc/cpuinfo's MHz lines move between reads: compare what does not.
    const stable = (b: Buffer) => b.toString().replace(/^cpu MHz.*$/gm, '');
    assert.equal(stable(payload(id)), stable(truth));
    const w = await WorkerConnection.start(t, settingsFor([base]));
    const reply = await w.raw(protocol.EnqueueFilesRequest.method, { queue: base, files: [file] }, 10_000);
    const result = reply.result as { ids: string[]; errors: unknown[] };
    assert.equal(result?.ids?.length, 1, JSON.stringify(reply));
    assert.equal(stable(payload(result.ids[0])), stable(truth));
  });
}
