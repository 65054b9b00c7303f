import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, dataJobName, newJobId } from 'pacchettino';
import { childMain, hrms, inChild } from './child';
import { floor } from './floor';
import { scratchDir, settle } from './scratch';

/** The recovery sweep: 10,000 processing dirs whose owner is dead, all moved to interrupted/. */
export const STALLED_JOBS = 10_000;

/** A pid that was alive a moment ago and is not now. */
function deadPid(): number {
  const r = spawnSync('true');
  if (!r.pid) throw new Error('could not start true(1) for a dead pid');
  return r.pid;
}

/** processing/raw-<id>.<pid>/raw, as a consumer killed between claim and finish leaves it. */
function stall(queue: string, n: number): void {
  new Pacchettino(queue);
  const pid = deadPid();
  const processing = path.join(queue, 'processing');
  for (let i = 0; i < n; i++) {
    const dir = path.join(processing, `${dataJobName(newJobId())}.${pid}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'raw'), '');
  }
}

function sweepInChild({ queue }: { queue: string }): { seconds: number } {
  const q = new Pacchettino(queue);
  const t0 = hrms();
  const r = q.recover();
  const seconds = (hrms() - t0) / 1000;
  if (r.interrupted.length !== STALLED_JOBS) throw new Error(`recovered ${r.interrupted.length} of ${STALLED_JOBS}`);
  return { seconds };
}

/** Dirs per second, the floor's and ours. */
export async function measureRecovery(): Promise<Record<string, number>> {
  let dir = scratchDir('floor-recovery');
  stall(dir, STALLED_JOBS);
  settle();
  const f = floor('recover', dir);
  if (f.ops !== STALLED_JOBS) throw new Error(`the floor recovered ${f.ops} of ${STALLED_JOBS}`);

  dir = scratchDir('recovery');
  stall(dir, STALLED_JOBS);
  settle();
  const r = await inChild<{ seconds: number }>('recovery', { queue: dir });
  return { 'floor.recovery': STALLED_JOBS / f.seconds, recovery: STALLED_JOBS / r.seconds };
}

childMain(module, sweepInChild);
