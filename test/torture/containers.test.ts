// Containers: consumers each in its own PID namespace (`unshare --pid --fork --mount-proc`),
// so every one of them is PID 1, on one queue directory with lock-file crash detection.
// Handlers take a few ms and every consumer sweeps for dead owners every 10 ms, so sweeps
// constantly meet other containers' live jobs: none may be interrupted. Containers are
// SIGKILLed at random moments (their whole namespace dies) and restarted; each killed one's
// jobs must be recovered. The books are checked as in the chaos test (support/chaosRun.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, runChaos } from './support/chaosRun';

const OWN_PID_NAMESPACE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];
const SEED = Number(process.env.PACCHETTINO_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

test("containers: lock-mode consumers in 4 PID namespaces never interrupt each other; killed ones' jobs are recovered", { timeout: 600_000 }, async (t) => {
  t.diagnostic(`seed ${SEED}`);
  const report = await runChaos(t, {
    label: 'containers',
    jobs: Number(process.env.PACCHETTINO_CONTAINER_JOBS ?? 2000),
    producers: 2,
    consumers: [
      { threads: 2, crashDetection: 'lock', prefix: OWN_PID_NAMESPACE },
      { threads: 0, crashDetection: 'lock', prefix: OWN_PID_NAMESPACE },
      { threads: 2, crashDetection: 'lock', prefix: OWN_PID_NAMESPACE },
      { threads: 0, crashDetection: 'lock', prefix: OWN_PID_NAMESPACE },
    ],
    maxKills: Number(process.env.PACCHETTINO_CONTAINER_KILLS ?? 12),
    seed: SEED,
    recoveryInterval: 10,
    slowMs: 8,
    slowShare: 1,
    killGapMs: 100,
  });
  t.diagnostic(describe(report));
  assert.ok(report.kills >= 6, `only ${report.kills} kills`);
  assert.ok(report.interrupted > 0, 'no kill caught a job in hand: the recovery half was not exercised');
});
