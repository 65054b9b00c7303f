// Chaos on a shared queue: 3 hosts × 2 consumers (one pid mode, one lock mode) over sshfs or GlusterFS,
// random SIGKILLs of single consumers and of whole hosts (their PID namespace), each
// restarted. Every job must end exactly once in success/ or interrupted/, no handler may
// run a job twice, and interrupted/ must hold exactly the jobs the victims held.
// Each kill first SIGSTOPs the victims (alive, so nobody takes their jobs; moving nothing,
// so what their owners hold in processing/ is what they hold), then kills them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeOwnerFile } from 'pacchettino/internal';
import { prng } from '../torture/support/chaosRun';
import { assertEachJobOnceFinished, takeCensus } from '../torture/support/census';
import { allStopped } from '../torture/support/victim';
import { scratchDir } from '../support/scratch';
import { harnessMissing, SimHost, type HostProcess } from './support/hosts';
import { startCluster } from './support/cluster';
import { fileSystemKind } from './support/fileServer';

const missing = harnessMissing();
if (missing) throw new Error(`the multi-host tests need ${missing}`);

const JOBS = Number(process.env.PACCHETTINO_MULTIHOST_JOBS ?? 2000);
const KILLS = Number(process.env.PACCHETTINO_MULTIHOST_KILLS ?? 9);
const SEED = Number(process.env.PACCHETTINO_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const LEASE_MS = 1500;
const CONSUMER = path.join(__dirname, '..', 'torture', 'fixtures', 'chaosConsumer.js');

interface Slot {
  host: number;
  mode: 'pid' | 'lock';
  proc: HostProcess;
  label: string;
}

test(
  `chaos: 3 hosts × 2 consumers on ${fileSystemKind()}, ${JOBS} jobs, random kills of consumers and whole hosts: every job exactly once`,
  { timeout: 300_000 },
  async (t) => {
    t.diagnostic(`seed ${SEED}`);
    const random = prng(SEED);
    const c = await startCluster(t, ['hosta', 'hostb', 'hostc'], 'chaos');
    const names = ['hosta', 'hostb', 'hostc'];
    const logDir = path.join(scratchDir(t, 'chaos-logs'), 'handled');
    fs.mkdirSync(logDir);
    const sent = new Map<string, string>();
    for (let i = 0; i < JOBS; i++) sent.set(`raw-${c.queue.sendData(`0:${i}`)}`, `0:${i}`);

    let incarnation = 0;
    const start = (host: number, mode: 'pid' | 'lock'): Slot => {
      const label = `${names[host]}-${mode}.${incarnation++}`;
      const spec = {
        queue: c.on(c.hosts[host]),
        logDir,
        logName: label,
        slowMs: 60,
        slowShare: 0.5,
        threads: 0,
        crashDetection: mode,
        recoveryInterval: 300,
        lease: LEASE_MS,
      };
      return { host, mode, label, proc: c.hosts[host].run([process.execPath, CONSUMER, JSON.stringify(spec)]) };
    };
    let slots: Slot[] = [];
    for (let h = 0; h < 3; h++) for (const mode of ['pid', 'lock'] as const) slots.push(start(h, mode));

    const owners = c.queue.layout.owners;
    /** Job names in processing/ (with their payload) whose owner is one of `victims`. */
    const heldBy = (victims: Slot[]): string[] => {
      const held: string[] = [];
      for (const dir of fs.readdirSync(c.queue.layout.processing)) {
        const token = dir.slice(dir.lastIndexOf('.') + 1);
        let who;
        try {
          who = decodeOwnerFile(fs.readFileSync(path.join(owners, token), 'utf8'));
        } catch {
          continue;
        }
        if (!who || !victims.some((v) => names[v.host] === who.host && v.proc.pid === who.pid)) continue;
        const job = dir.slice(0, dir.lastIndexOf('.'));
        // A claim holds its payload: a dir with it inside, or (a data job's file form) the payload itself.
        const claimed = path.join(c.queue.layout.processing, dir);
        const st = fs.lstatSync(claimed, { throwIfNoEntry: false });
        if (st?.isFile() || (st?.isDirectory() && fs.readdirSync(claimed).length > 0)) held.push(job);
      }
      return held;
    };

    const heldAtKill = new Set<string>();
    // One of the first three kills takes a whole host, whatever the dice say after it: left to chance
    // (0.35 a kill), nine kills all missed the hosts about one run in fifty.
    const forcedHostKill = Math.floor(random() * Math.min(3, KILLS));
    let kills = 0;
    let hostKills = 0;
    const started = Date.now();
    while (kills < KILLS && c.queue.countQueued() > JOBS / 10) {
      await delay(200 + random() * 600);
      const wholeHost = random() < 0.35 || kills === forcedHostKill;
      const victimHost = Math.floor(random() * 3);
      const victims = wholeHost ? slots.filter((s) => s.host === victimHost) : [slots[Math.floor(random() * slots.length)]];
      for (const v of victims) {
        assert.ok(!v.proc.exit, `${v.label} died on its own: ${v.proc.errLines.join('\n')}`);
        v.proc.signal('SIGSTOP');
      }
      for (const v of victims) await allStopped(c.hosts[v.host].hostPidOf(v.proc));
      for (const name of heldBy(victims)) heldAtKill.add(name);
      if (wholeHost) {
        const host = c.hosts[victimHost];
        await host.kill();
        c.hosts[victimHost] = await SimHost.start(names[victimHost], host.mount);
        hostKills++;
      } else {
        victims[0].proc.signal('SIGKILL');
        await victims[0].proc.exited;
      }
      slots = slots.filter((s) => !victims.includes(s));
      for (const v of victims) slots.push(start(v.host, v.mode));
      kills++;
    }
    const killingMs = Date.now() - started;

    // Drain: everything handled, and the dead owners' jobs taken once their leases ran out.
    const deadline = Date.now() + 120_000;
    while (c.queue.countQueued() > 0 || c.queue.countProcessing() > 0) {
      for (const s of slots) assert.ok(!s.proc.exit, `${s.label} died on its own: ${s.proc.errLines.join('\n')}`);
      assert.ok(Date.now() < deadline, `not drained: ${c.queue.countQueued()} queued, ${c.queue.countProcessing()} processing`);
      await delay(200); // bounded polling of the server's folder: nothing else signals "drained" across hosts
    }
    for (const s of slots) s.proc.signal('SIGTERM');
    for (const s of slots) assert.equal((await s.proc.exited).code, 0, `${s.label}: ${s.proc.errLines.join('\n')}`);

    const census = takeCensus(c.queue.layout.base);
    const interrupted = assertEachJobOnceFinished(census, c.queue.layout.base, sent);
    for (const name of sent.keys()) assert.ok(census.places.has(name), `${name} was lost`);
    const began = new Map<string, string>();
    const ended = new Map<string, string>();
    for (const f of fs.readdirSync(logDir)) {
      for (const line of fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').filter(Boolean)) {
        const [kind, name] = line.split(' ');
        const m = kind === 'B' ? began : ended;
        assert.ok(!m.has(name), `${name}: handler ${kind === 'B' ? 'started' : 'succeeded'} twice (${m.get(name)} and ${f})`);
        m.set(name, f);
      }
    }
    for (const [name, places] of census.places) if (places[0] === 'success') assert.ok(ended.has(name), `${name} in success/ but no handler finished it`);
    assert.deepEqual([...interrupted].sort(), [...heldAtKill].sort(), 'interrupted/ holds exactly what the victims held');
    t.diagnostic(
      `${kills} kills (${hostKills} whole hosts), ${interrupted.size} interrupted, ${JOBS - interrupted.size} succeeded; ` +
        `killing ${(killingMs / 1000).toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.ok(hostKills >= 1 || kills <= forcedHostKill, 'no whole host was killed');
  },
);
