// Several machines on one queue, over a real network file system (sshfs through an sshd of
// our own; see support/hosts.ts): each host has its own mount (own caches), its own PID
// namespace (pids collide as on real machines) and hostname. A live job on one host must
// never be taken by another host's sweeps, whatever their clocks say; a host that dies or
// is cut off loses its jobs to interrupted/ once its lease ran out, and a host cut off and
// back learns that it lost them and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { waitForEntry } from '../support/waitFor';
import { harnessMissing } from './support/hosts';
import { LEASE, LEASE_MS, MARGIN_MS, SWEEP_MS, cli, recordOf, startCluster } from './support/cluster';

const missing = harnessMissing();
if (missing) throw new Error(`the multi-host tests need ${missing}`);

for (const mode of ['pid', 'lock'] as const) {
  test(`${mode} mode: a live job on host A is never taken by host B's sweeps, B's clock right, 10 min ahead or behind`, { timeout: 90_000 }, async (t) => {
    const c = await startCluster(t, ['hosta', 'hostb'], `live-${mode}`);
    const [a, b] = c.hosts;
    const lock = mode === 'lock' ? ['--lock'] : [];
    const id = c.queue.sendData('a long job');
    const consumer = cli(a, ['consume', c.on(a), ...lock, ...LEASE, '--', 'sh', '-c', 'sleep 7']);
    await consumer.line(new RegExp(`^START ${id}`));
    // B sweeps with every clock: consumers (sweeping every second) and one-off recovers,
    // which on a shared queue watch a remote owner's lease before judging it.
    const sweepers = [
      cli(b, ['consume', c.on(b), ...lock, ...LEASE, '--', 'true']),
      cli(b, ['consume', c.on(b), ...lock, ...LEASE, '--', 'true'], { faketime: '+10m' }),
      cli(b, ['consume', c.on(b), ...lock, ...LEASE, '--', 'true'], { faketime: '-10m' }),
    ];
    const recovers = [
      cli(b, ['recover', c.on(b), ...lock, ...LEASE], { faketime: '+10m' }),
      cli(b, ['recover', c.on(b), ...lock, ...LEASE], { faketime: '-10m' }),
    ];
    for (const r of recovers) {
      const e = await r.exited;
      assert.equal(e.code, 0, r.errLines.join('\n'));
      assert.deepEqual(r.lines, ['0 recovered'], `recover on B: ${r.errLines.join('\n')}`);
    }
    const done = await consumer.line(/^(SUCCESS|LOST|FAILED) /, 30_000);
    assert.match(done, new RegExp(`^SUCCESS ${id}`));
    for (const s of sweepers) s.signal('SIGTERM');
    consumer.signal('SIGTERM');
    assert.equal((await consumer.exited).code, 0);
    for (const s of sweepers) assert.equal((await s.exited).code, 0, s.errLines.join('\n'));
    assert.equal(c.queue.status(id), 'SUCCESS');
    assert.equal(c.queue.countInterrupted(), 0);
  });
}

test('host A dies whole mid-job: host B moves the job to interrupted/ once the lease ran out', { timeout: 60_000 }, async (t) => {
  const c = await startCluster(t, ['hosta', 'hostb'], 'dead-host');
  const [a, b] = c.hosts;
  const id = c.queue.sendData('held when the host dies');
  const consumer = cli(a, ['consume', c.on(a), ...LEASE, '--', 'sh', '-c', 'sleep 60']);
  await consumer.line(new RegExp(`^START ${id}`));
  const sweeper = cli(b, ['consume', c.on(b), ...LEASE, '--', 'true']);
  // Let B see A's heartbeat beat at least once, then pull the plug.
  await new Promise((r) => setTimeout(r, LEASE_MS));
  const killedAt = Date.now();
  await a.kill();
  const name = await waitForEntry(c.queue.layout.interrupted, (n) => n.includes(id), c.waits(20_000));
  const tookMs = Date.now() - killedAt;
  t.diagnostic(`dead host's job recovered ${tookMs} ms after the kill (lease ${LEASE_MS} ms + margin ${MARGIN_MS} ms, sweeps every ${SWEEP_MS} ms)`);
  assert.ok(tookMs >= LEASE_MS, `recovered after ${tookMs} ms, before the lease could run out`);
  // B's last look at a fresh beat may come up to a sweep after the kill, and the verdict up to a sweep after the lease ran out.
  assert.ok(tookMs <= LEASE_MS + MARGIN_MS + 2 * SWEEP_MS + 1500, `recovered after ${tookMs} ms`);
  const rec = await recordOf(c.queue, id);
  assert.match(rec?.reason ?? '', /on hosta, pid \d+\) stopped renewing its lease .* taken over by hostb/);
  assert.equal(fs.readFileSync(path.join(c.queue.layout.interrupted, name), 'utf8'), 'held when the host dies');
  sweeper.signal('SIGTERM');
  assert.equal((await sweeper.exited).code, 0);
});

test('host A cut off the file system longer than a lease: B takes the job; A, back, reports it LOST and files nothing', { timeout: 60_000 }, async (t) => {
  const c = await startCluster(t, ['hosta', 'hostb'], 'partition');
  const [a, b] = c.hosts;
  const id = c.queue.sendData('held across a partition');
  // The handler ends when the test says so, outside the queue's file system: while A is still cut off.
  const release = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-release-')), 'fifo');
  execFileSync('mkfifo', [release]);
  t.after(() => fs.rmSync(path.dirname(release), { recursive: true, force: true }));
  const consumer = cli(a, ['consume', c.on(a), ...LEASE, '--', 'sh', '-c', 'read line < "$0"', release]);
  await consumer.line(new RegExp(`^START ${id}`));
  const sweeper = cli(b, ['consume', c.on(b), ...LEASE, '--', 'true']);
  await new Promise((r) => setTimeout(r, LEASE_MS));
  a.mount.pause();
  const cutAt = Date.now();
  try {
    await waitForEntry(c.queue.layout.interrupted, (n) => n.includes(id), c.waits(20_000));
    t.diagnostic(`cut-off host's job taken ${Date.now() - cutAt} ms after the cut`);
    // B's takeover is whole once its note is written too (just after the move): A, back, reads who took it.
    assert.match((await recordOf(c.queue, id))?.reason ?? '', /taken over by hostb/);
    // Filing now meets a file system that does not answer: sshfs's calls block until the
    // resume; GlusterFS's fail (ENOTCONN), and the consumer says it waits them out.
    await fs.promises.writeFile(release, 'done\n');
    if (c.server.kind === 'glusterfs') await consumer.errLine(/does not answer .* while filing job/, 10_000);
  } finally {
    await a.mount.resume();
  }
  const done = await consumer.line(/^(SUCCESS|LOST|FAILED) /, 30_000);
  assert.match(done, new RegExp(`^LOST ${id} .*taken over by hostb`));
  consumer.signal('SIGTERM');
  const e = await consumer.exited;
  assert.equal(e.code, 76, 'consume exits 76 when it lost jobs');
  assert.ok(
    consumer.errLines.some((l) => /0 succeeded, 0 failed, 0 to retry, 1 lost/.test(l)),
    consumer.errLines.join('\n'),
  );
  sweeper.signal('SIGTERM');
  await sweeper.exited;
  // Exactly one place: interrupted/, nothing left in processing/, nothing in success/.
  assert.equal(c.queue.status(id), 'INTERRUPTED');
  assert.equal(c.queue.countSuccess(), 0);
  assert.equal(c.queue.countProcessing(), 0);
  assert.match((await recordOf(c.queue, id))?.reason ?? '', /taken over by hostb/);
});
