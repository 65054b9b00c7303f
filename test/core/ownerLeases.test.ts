// Owners on other machines, as one machine sees them: an owner file whose identity names
// another boot is judged by its heartbeat only, watched on our own monotonic clock. The
// owner files here are written by the test, as a consumer on another host would write
// them through the network file system.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino } from 'pacchettino';
import { decodeOwnerFile } from 'pacchettino/internal';
import { queuePath } from '../support/scratch';
import { originalToken } from '../support/originalLayout';

const LEASE_MS = 400;
const MARGIN_MS = 1000; // leaseMargin: at least 1 s

function remoteOwner(q: Pacchettino, beat: number): string {
  return (
    JSON.stringify({ v: 1, host: 'elsewhere', bootId: 'a-boot-of-another-machine', pidNs: 'pid:[1]', pid: 7, startTicks: 99, leaseMs: LEASE_MS, beat }).padEnd(
      511,
    ) + '\n'
  );
}

function claimAs(q: Pacchettino, token: string, data: string): string {
  const id = q.sendData(data);
  const dir = path.join(q.layout.processing, `raw-${id}.${token}`);
  fs.mkdirSync(dir);
  fs.renameSync(path.join(q.layout.queued, `raw-${id}`), path.join(dir, 'raw'));
  return id;
}

test(
  'shared queue: an owner on another machine is alive while its heartbeat moves, dead once it stood still for lease + margin',
  { timeout: 20_000 },
  async (t) => {
    const q = new Pacchettino(queuePath(t), { shared: true, lease: LEASE_MS });
    t.after(() => q.close());
    const beating = originalToken();
    const silent = originalToken();
    fs.writeFileSync(path.join(q.layout.owners, beating), remoteOwner(q, 0));
    fs.writeFileSync(path.join(q.layout.owners, silent), remoteOwner(q, 0));
    const live = claimAs(q, beating, 'beating');
    const dead = claimAs(q, silent, 'silent');

    // The first look only starts the watch: no clock of ours can say how old a remote beat is.
    assert.deepEqual(q.recover(), { interrupted: [], cleared: 0, watching: 2 });
    const started = Date.now();
    let beat = 0;
    let recoveredAfter: number | undefined;
    while (Date.now() - started < LEASE_MS + MARGIN_MS + 1500) {
      fs.writeFileSync(path.join(q.layout.owners, beating), remoteOwner(q, ++beat));
      const r = q.recover();
      if (r.interrupted.length > 0) {
        assert.deepEqual(r.interrupted, [`raw-${dead}`]);
        recoveredAfter = Date.now() - started;
        break;
      }
      await delay(100);
    }
    assert.ok(recoveredAfter !== undefined, 'the silent owner was never taken for dead');
    assert.ok(recoveredAfter >= LEASE_MS + MARGIN_MS - 50, `taken after ${recoveredAfter} ms, before lease + margin`);
    assert.equal(q.status(live), 'PROCESSING');
    assert.equal(q.status(dead), 'INTERRUPTED');
    assert.match(
      q.details(dead)?.record?.reason ?? '',
      new RegExp(`lock ${silent} on elsewhere, pid 7\\) stopped renewing its lease .*taken over by ${os.hostname()}`),
    );
    assert.ok(!fs.existsSync(path.join(q.layout.owners, silent)), "the dead owner's file is removed");
  },
);

test(
  "shared queue: the original's pid-named dirs and lock files are left alone; on a local queue a missing owner file is a dead owner",
  { timeout: 10_000 },
  async (t) => {
    const base = queuePath(t);
    const shared = new Pacchettino(base, { shared: true, lease: LEASE_MS });
    t.after(() => shared.close());
    const pidDir = claimAs(shared, '999999', 'a pid no machine here has');
    const token = originalToken();
    fs.writeFileSync(path.join(shared.layout.owners, token), '4242\n'); // the original's own owner file, unlocked here
    const origLock = claimAs(shared, token, 'an original lock owner');
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(shared.recover().interrupted, []);
      await delay((LEASE_MS + MARGIN_MS) / 2);
    }
    assert.equal(shared.status(pidDir), 'PROCESSING');
    assert.equal(shared.status(origLock), 'PROCESSING');
    const local = new Pacchettino(base, { shared: false });
    t.after(() => local.close());
    assert.deepEqual(local.recover().interrupted.sort(), [`raw-${pidDir}`, `raw-${origLock}`].sort());
  },
);

test('a lock-mode consumer writes who it is into its owner file, and listings show its host, pid and lease', { timeout: 10_000 }, async (t) => {
  const q = new Pacchettino(queuePath(t), { crashDetection: 'lock', lease: 3000 });
  t.after(() => q.close());
  q.sendData('x');
  let seen: ReturnType<Pacchettino['list']>['jobs'][number] | undefined;
  q.onJob = () => {
    seen = q.list('PROCESSING').jobs[0];
    return 'SUCCESS';
  };
  assert.equal(await q.receiveOne(), true);
  assert.equal(seen?.ownerHost, os.hostname());
  assert.equal(seen?.ownerPid, process.pid);
  assert.equal(seen?.leaseMs, 3000);
  const token = seen?.owner ?? '';
  const file = decodeOwnerFile(fs.readFileSync(path.join(q.layout.owners, token), 'utf8'));
  assert.equal(file?.bootId, fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  assert.equal(file?.pidNs, fs.readlinkSync('/proc/self/ns/pid'));
});

test('shared detection: a local folder is local, an option says otherwise, a lease out of range is refused', (t) => {
  const base = queuePath(t);
  assert.equal(new Pacchettino(base).shared.shared, false);
  assert.equal(new Pacchettino(base, { shared: true }).shared.shared, true);
  assert.throws(() => new Pacchettino(base, { lease: 10 }), { code: 'BAD_OPTION' });
});
