// Chaos: 4 producer and 4 consumer processes on one queue (two consumers on worker threads,
// two in lock-file mode), 20,000 jobs, consumers SIGKILLed at random moments and restarted.
// (The original's own stress test: 2,000 jobs, 4 processes x 4 threads, one consumer killed.)
// See support/chaosRun.ts for how each kill is made and what is checked afterwards.
//
// `npm run soak` runs it bigger (PACCHETTINO_CHAOS_JOBS, PACCHETTINO_CHAOS_KILLS); a failing
// run prints its seed, which PACCHETTINO_CHAOS_SEED replays (the kill schedule, not the timing).
import { test } from 'node:test';
import { describe, runChaos } from './support/chaosRun';

const JOBS = Number(process.env.PACCHETTINO_CHAOS_JOBS ?? 20_000);
const MAX_KILLS = Number(process.env.PACCHETTINO_CHAOS_KILLS ?? 100);
const SEED = Number(process.env.PACCHETTINO_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(
  `chaos: 4 producers, 4 consumers SIGKILLed at random and restarted, ${JOBS} jobs: every job in exactly one place, none handled twice`,
  { timeout: 900_000 },
  async (t) => {
    t.diagnostic(`seed ${SEED}`);
    const report = await runChaos(t, {
      label: 'chaos',
      jobs: JOBS,
      producers: 4,
      consumers: [
        { threads: 2, crashDetection: 'pid' },
        { threads: 2, crashDetection: 'lock' },
        { threads: 0, crashDetection: 'pid' },
        { threads: 0, crashDetection: 'lock' },
      ],
      maxKills: MAX_KILLS,
      seed: SEED,
      recoveryInterval: 100,
      slowMs: 2,
      slowShare: 0.3,
      killGapMs: 60,
    });
    t.diagnostic(describe(report));
  },
);
