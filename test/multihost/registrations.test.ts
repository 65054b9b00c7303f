// A consumer registers itself in .pacchettino/consumers/<host>.<pid>.json until close(), so
// the consumers view shows it idle too. A host that dies never closes: another host's sweeps
// must prune its registration once its lease ran out (judged by the owner token the file
// names, as its jobs are), never by its pid, which names nothing on the sweeping host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { waitForEntry, waitForNoEntry } from '../support/waitFor';
import { harnessMissing } from './support/hosts';
import { LEASE, LEASE_MS, MARGIN_MS, SWEEP_MS, cli, startCluster } from './support/cluster';

const missing = harnessMissing();
if (missing) throw new Error(`the multi-host tests need ${missing}`);

test(
  "a dead host's consumer registration is pruned by another host once its lease ran out; live ones and pid-named ones stay",
  { timeout: 60_000 },
  async (t) => {
    const c = await startCluster(t, ['hosta', 'hostb'], 'registrations');
    const [a, b] = c.hosts;
    const dir = c.queue.layout.consumers;
    // Laid by hand as a pid-mode consumer of a third host would leave it: its pid is dead here, which says nothing about hostz.
    const pidNamed = 'hostz.999999.json';
    fs.writeFileSync(
      path.join(dir, pidNamed),
      JSON.stringify({ pid: 999999, host: 'hostz', since: Date.now(), owner: '999999', bootId: 'another-boot', pidNs: 'pid:[4026531836]', startTicks: 1 }),
    );
    const idleA = cli(a, ['consume', c.on(a), ...LEASE, '--', 'true']);
    const idleB = cli(b, ['consume', c.on(b), ...LEASE, '--', 'true']);
    const regA = await waitForEntry(dir, (n) => n.startsWith('hosta.'), c.waits(20_000));
    const regB = await waitForEntry(dir, (n) => n.startsWith('hostb.'), c.waits(20_000));
    assert.deepEqual(
      c.queue
        .consumers()
        .map((x) => x.host)
        .sort(),
      ['hosta', 'hostb', 'hostz'],
    );

    // Long enough for B to have judged A's lease several times: a live host's registration stays.
    await delay(LEASE_MS + MARGIN_MS + 2 * SWEEP_MS);
    assert.ok(fs.existsSync(path.join(dir, regA)), "B's sweeps pruned live host A's registration");

    const killedAt = Date.now();
    await a.kill();
    await waitForNoEntry(dir, (n) => n === regA, c.waits(20_000));
    const tookMs = Date.now() - killedAt;
    t.diagnostic(`dead host's registration pruned ${tookMs} ms after the kill (lease ${LEASE_MS} ms + margin ${MARGIN_MS} ms, sweeps every ${SWEEP_MS} ms)`);
    assert.ok(tookMs >= LEASE_MS, `pruned after ${tookMs} ms, before the lease could run out`);
    assert.ok(tookMs <= LEASE_MS + MARGIN_MS + 2 * SWEEP_MS + 1500, `pruned after ${tookMs} ms`);
    assert.ok(fs.existsSync(path.join(dir, regB)), "B's own registration went too");
    assert.ok(fs.existsSync(path.join(dir, pidNamed)), "another host's pid-named registration was judged by B's process table");
    assert.deepEqual(
      c.queue
        .consumers()
        .map((x) => x.host)
        .sort(),
      ['hostb', 'hostz'],
    );
    assert.equal(idleA.exit?.signal, 'SIGKILL');

    idleB.signal('SIGTERM');
    assert.equal((await idleB.exited).code, 0, idleB.errLines.join('\n'));
    assert.ok(!fs.existsSync(path.join(dir, regB)), 'a consumer that closes removes its own registration');
  },
);
