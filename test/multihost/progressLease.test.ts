// Progress is a sign of life (issue 11): a handler that keeps its consumer's event loop busy
// for longer than the lease starves the heartbeat's timer, so host B takes the job for dead;
// the same handler reporting progress as it goes renews the lease with each report due, and
// B leaves the job alone. Both consumers run at once on host A, over the same shared queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { harnessMissing } from './support/hosts';
import { cli, idOf, startCluster } from './support/cluster';
import { SHARES_LOCKS, fileSystemKind } from './support/fileServer';

const LEASE_MS = 1500;
/** Past lease + margin (2.5 s) plus B's sweeps every second, with room for a loaded machine. */
const BUSY_MS = 7000;
const BUSY_CONSUMER = path.join(__dirname, 'fixtures', 'busyConsumer.js');

const missing = harnessMissing();
if (missing) throw new Error(`the multi-host tests need ${missing}`);

// Where flock is shared across hosts (GlusterFS), B also asks the silent consumer's lock, which
// its live holder keeps: that one keeps its job too, lease or not.
const locksShared = SHARES_LOCKS[fileSystemKind()];

test(
  `a busy handler that reports progress keeps its lease; the same handler silent ${locksShared ? 'keeps the job by its lock' : 'loses the job to host B'}`,
  { timeout: 90_000 },
  async (t) => {
    const c = await startCluster(t, ['hosta', 'hostb'], 'progress-lease');
    const [a, b] = c.hosts;
    c.queue.sendData('one job');
    c.queue.sendData('another job');
    const busy = (mode: string) => a.run([process.execPath, BUSY_CONSUMER, c.on(a), String(LEASE_MS), String(BUSY_MS), mode]);
    const reporting = busy('progress');
    const silent = busy('silent');
    const reportingId = idOf(await reporting.line(/^START /));
    const silentId = idOf(await silent.line(/^START /));
    // Started once A holds both jobs (it would take them itself), so it first sees A's owner files while A is busy.
    const sweeper = cli(b, ['consume', c.on(b), '--lease', `${LEASE_MS}ms`, '--', 'true']);

    assert.equal(await reporting.line(/^(SUCCESS|LOST|FAILED) /, 30_000), `SUCCESS ${reportingId}`);
    const control = locksShared ? 'the control: its lock still held' : 'the control: without renewals the lease ran out';
    assert.equal(await silent.line(/^(SUCCESS|LOST|FAILED) /, 30_000), `${locksShared ? 'SUCCESS' : 'LOST'} ${silentId}`, control);
    for (const p of [reporting, silent]) assert.equal((await p.exited).code, 0, p.errLines.join('\n'));
    sweeper.signal('SIGTERM');
    await sweeper.exited;
    assert.equal(c.queue.status(reportingId), 'SUCCESS');
    assert.equal(c.queue.status(silentId), locksShared ? 'SUCCESS' : 'INTERRUPTED');
  },
);
