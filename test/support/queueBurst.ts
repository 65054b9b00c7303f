import type { TestContext } from 'node:test';
import { QueueProcess } from './queueProcess';

/**
 * A burst of changes to a queue by other real processes, all at once: one sends `jobs` data
 * jobs while one consumer succeeds with a third of them, another fails a third, and a third
 * consumer takes one job and holds it (it stays in processing/ until the test ends). Resolves
 * once every send and finish is done; the rest of the jobs stay queued.
 */
export async function burstOfChanges(t: TestContext, queue: string, jobs: number): Promise<void> {
  const [producer, succeeding, failing, holding] = await Promise.all([0, 1, 2, 3].map(() => QueueProcess.start(t, { queue })));
  const consume = async (c: QueueProcess, handler: 'success' | 'fail', count: number) => {
    for (let done = 0; done < count;) {
      if (await c.request<boolean>({ op: 'receiveOne', timeout: 10_000, handler })) done++;
      else throw new Error(`no job to ${handler} within 10 s after ${done} of ${count}`);
    }
  };
  const third = Math.floor(jobs / 3);
  void holding.request({ op: 'receiveOne', timeout: 10_000, handler: 'block' });
  await Promise.all([
    producer.send({ data: 'x', count: jobs }),
    consume(succeeding, 'success', third),
    consume(failing, 'fail', third),
    holding.nextEvent('running'),
  ]);
}
