/**
 * Filing in durable mode with several jobs in hand (run/receive with `concurrency`): the
 * steps of finish.ts's applyFiling, each fsync shared with the jobs filed at the same time
 * (groupSync.ts) and run off the event loop. A job is reported filed only once the folders
 * its rename changed are on disk, as with applyFiling: the rename out of processing/ is
 * the commit point, the fsync of its new folder makes it durable, and only then does the
 * processing dir go (a crash before leaves a dead owner's dir that recovery files, or an
 * empty one it removes).
 */
import type { ClaimedJob } from './claim';
import { filingSteps, type Filing, type FinishContext } from './finish';
import { syncDirs } from './groupSync';

export async function applyFilingGrouped(ctx: FinishContext, claimed: ClaimedJob, filing: Filing): Promise<Filing> {
  const steps = filingSteps(ctx, claimed, filing);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    await syncDirs(...step.value);
  }
}
