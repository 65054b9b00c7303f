import type { Connection } from 'vscode-languageserver/node';
import { ConsumersRequest, PauseRequest, RescheduleRequest, StatsRequest, type WireConsumer, type WireStats } from '@pacchettino/shared';
import { guarded } from './errorReplies';
import * as guard from './liveGuards';
import type { QueueRegistry } from './queueRegistry';
import { withQueue } from './queueAccess';
import type { WorkerLog } from './workerLog';

/** The live-operations requests: pause and resume, who is consuming, rescheduling, throughput history. */
export function registerLiveRequests(connection: Connection, registry: QueueRegistry, log: WorkerLog): void {
  connection.onRequest(
    PauseRequest.type,
    guarded(PauseRequest.method, log, async (params) => {
      const p = guard.pauseParams(PauseRequest.method, params);
      await withQueue(registry, p.queue, true, (q) => (p.paused ? q.pause() : q.resume()));
      log.info(`Queue ${p.queue} ${p.paused ? 'paused' : 'resumed'}`);
      return registry.get(p.queue).summary();
    }),
  );

  connection.onRequest(
    ConsumersRequest.type,
    guarded(ConsumersRequest.method, log, (params): Promise<WireConsumer[]> => {
      const p = guard.consumersParams(ConsumersRequest.method, params);
      return withQueue(registry, p.queue, false, (q) => q.consumers());
    }),
  );

  connection.onRequest(
    RescheduleRequest.type,
    guarded(RescheduleRequest.method, log, async (params) => {
      const p = guard.rescheduleParams(RescheduleRequest.method, params);
      return { dueAt: await withQueue(registry, p.queue, true, (q) => q.reschedule(p.id, p.dueAt)) };
    }),
  );

  connection.onRequest(
    StatsRequest.type,
    guarded(StatsRequest.method, log, async (params): Promise<WireStats> => {
      const p = guard.statsParams(StatsRequest.method, params);
      return { queue: p.queue, ...(await withQueue(registry, p.queue, false, (q) => q.stats(p.window))) };
    }),
  );
}
