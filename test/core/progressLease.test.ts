// Progress is a sign of life for the lease (issue 11). A handler that keeps the event loop
// busy starves the heartbeat's timer; each progress report renews the lease once a renewal
// is due. Watched here as another host watches it (LeaseObserver over the real owner file,
// on the observer's monotonic clock), from inside the busy handler itself, since nothing
// else in this process runs meanwhile. On a local queue the owner's flock would still save
// the job; test/multihost/progressLease.test.ts shows the takeover over sshfs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { LeaseObserver } from 'pacchettino/internal';
import { queuePath } from '../support/scratch';

const LEASE_MS = 300;
/** Past lease + margin (the margin is at least 1 s), with room to spare. */
const BUSY_MS = 2000;

/** Runs one job whose handler is busy for BUSY_MS; answers whether an observer ever took its owner for dead. */
async function takenForDead(dir: string, reportProgress: boolean): Promise<boolean> {
  const q = new Pacchettino(dir, { shared: true, lease: LEASE_MS });
  try {
    q.sendData('a long computation');
    let dead: boolean | undefined;
    q.onData = (job) => {
      const token = q.list('PROCESSING').jobs[0]?.owner ?? '';
      const ownerFile = path.join(q.layout.owners, token);
      const observer = new LeaseObserver();
      dead = false;
      const end = Date.now() + BUSY_MS;
      for (let nextReport = 0; Date.now() < end;) {
        if (reportProgress && Date.now() >= nextReport) {
          job.progress(undefined, 'computing');
          nextReport = Date.now() + 20;
        }
        if (!observer.mayLive(token, fs.readFileSync(ownerFile, 'utf8'), LEASE_MS)) dead = true;
      }
      return 'SUCCESS';
    };
    assert.equal(await q.receiveOne(), true);
    assert.notEqual(dead, undefined, 'the handler ran');
    return dead === true;
  } finally {
    await q.close();
  }
}

test('a handler busy past its lease keeps it by reporting progress; silent, its lease runs out', { timeout: 20_000 }, async (t) => {
  assert.equal(await takenForDead(queuePath(t, 'reporting'), true), false, 'progress renewed the lease');
  assert.equal(await takenForDead(queuePath(t, 'silent'), false), true, 'the control: without renewals the lease ran out');
});
