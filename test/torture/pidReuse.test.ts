// PID reuse for real: in a private PID namespace (pids low, as in a container), a consumer
// dies holding a job and its pid goes to a new consumer of the same queue. kill(pid, 0)
// now says the owner lives (the original leaves such a job in processing/ forever); ours
// sees the process started after the dir was made, recovers the job, and the new owner of
// the pid never takes the job for its own. The scenario runs in the namespace
// (fixtures/pidReuseScenario.ts) and reports; the folders are checked from out here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runScenario } from './support/scenario';
import { scratchDir } from '../support/scratch';
import { FIXTURES } from './support/steppedChild';
import { takeCensus } from './support/census';
import type { PidReuseReport } from './fixtures/pidReuseScenario';

test("pid reuse: a job whose dead owner's pid now belongs to a newer consumer is recovered, never run by it", { timeout: 120_000 }, async (t) => {
  const base = path.join(scratchDir(t, 'pid-reuse'), 'q');
  const r = await runScenario<PidReuseReport>(t, 'unshare', [
    '--pid',
    '--fork',
    '--mount-proc',
    '--kill-child',
    process.execPath,
    path.join(FIXTURES, 'pidReuseScenario.js'),
    base,
  ]);

  assert.equal(r.inNamespaceAsPid, 1, 'the scenario runs as PID 1 of its own namespace');
  assert.equal(r.recycledPid, r.deadPid, "the new consumer got the dead one's pid");
  assert.equal(r.kill0SaysAlive, true, "kill(pid, 0), the original's whole test, says the dead owner lives");
  assert.equal(r.heldDirStillThere, true, 'nothing touched the job before the new consumer swept');
  assert.equal(r.handled, true);
  assert.deepEqual(r.ran, [r.fresh], 'the consumer with the recycled pid ran only the fresh job');
  assert.equal(r.again, false, 'and found nothing else to run');

  const c = takeCensus(base);
  assert.deepEqual(c.places.get(r.held), ['interrupted']);
  assert.deepEqual(c.places.get(r.fresh), ['success']);
  assert.deepEqual(c.emptyProcessing, []);
  assert.equal(fs.readFileSync(path.join(base, 'interrupted', r.held), 'utf8'), 'held by the consumer that dies');
});
