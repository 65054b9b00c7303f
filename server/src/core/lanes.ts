/**
 * Concurrency in one process: N lanes, each a loop of one step (a receiveOne), all on one
 * consumer. The consumer is what keeps the per-job guarantees, whatever the number of lanes:
 * claims are synchronous and take distinct names from one listing (each job once); one
 * owner (pid, or token with its lock and lease) holds every job in hand; every claim checks
 * the pause first; close() waits for every job in hand. The library's run()/receive() and
 * the CLI's `consume --concurrency` are this same loop.
 */
import { BOUNDS, checkBound } from './bounds';

/** What a lane's step answers: a job was handled, none was there (a lane that stops when idle ends), or stop now. */
export type LaneStep = 'handled' | 'idle' | 'stop';

/**
 * Runs `concurrency` lanes of `step` until each has answered 'stop' (or 'idle' when
 * `untilIdle`); resolves how many jobs were handled. A step that throws stops the other
 * lanes from taking more (each finishes the job it has in hand), then the error is thrown.
 */
export async function runLanes(concurrency: number, untilIdle: boolean, step: () => Promise<LaneStep>): Promise<number> {
  checkBound('concurrency', concurrency, BOUNDS.concurrency);
  let handled = 0;
  let failed: { err: unknown } | undefined;
  const lane = async () => {
    while (!failed) {
      let got: LaneStep;
      try {
        got = await step();
      } catch (err) {
        failed ??= { err };
        return;
      }
      if (got === 'handled') handled++;
      else if (got === 'stop' || untilIdle) return;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (failed) throw failed.err;
  return handled;
}
