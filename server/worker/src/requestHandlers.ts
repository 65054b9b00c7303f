import { CancellationToken, type Connection } from 'vscode-languageserver/node';
import { isFinished, type FinishedState, type ListableState, type Pacchettino, type QueueErrorCode } from 'pacchettino';
import {
  CleanupRequest,
  ConfigureRequest,
  DeleteRequest,
  EnqueueDataRequest,
  EnqueueFilesRequest,
  EnqueueProgressNotification,
  JobRequest,
  JobsRequest,
  QueuesRequest,
  RecoverRequest,
  RequeueRequest,
  type EnqueueProgressParams,
  type ItemError,
  type WireErrorCode,
  type WireFinishedState,
  type WireJobState,
} from '@pacchettino/shared';
import { codeOf, guarded, messageOf } from './errorReplies';
import { mutateQueueAsync, watchesCaughtUp, withQueue as withQueueOf } from './queueAccess';
import { enqueueFiles } from './enqueueFiles';
import { payloadPreview } from './payloadPreview';
import * as guard from './paramGuards';
import type { QueueRegistry } from './queueRegistry';
import type { WorkerLog } from './workerLog';

// The wire's states are the core's: a compile error here if one list changes without the other.
// So are its error codes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const STATES_AGREE: [Same<WireJobState, ListableState>, Same<WireFinishedState, FinishedState>, Same<WireErrorCode, QueueErrorCode>] = [true, true, true];
void STATES_AGREE;

/** Why a state cannot be handled in bulk: per-item errors, so the rest of the request still happens. */
const NOT_IN_BULK: Partial<Record<WireJobState, string>> = {
  QUEUED: 'queued jobs are already waiting; nothing to do',
  PROCESSING: 'running jobs belong to their consumer; stop it, or let recovery interrupt them if it died',
  SCHEDULED: 'scheduled jobs are requeued (made due now) or deleted by id',
};

/**
 * Every request of the protocol, each a guard, one call into the core and a reply.
 * A handler yields only before it touches a queue (withQueue lets the watches' reports in
 * first); its call into the core is synchronous, so two requests never interleave on a
 * queue. Only enqueueFiles yields later, between chunks of its copies, and commits each job in one rename.
 */
export function registerRequestHandlers(connection: Connection, registry: QueueRegistry, log: WorkerLog): void {
  // Fails only when the client has gone, and then nobody is left to tell.
  const notifyProgress = (params: EnqueueProgressParams) =>
    void connection
      .sendNotification(EnqueueProgressNotification.type, params)
      .catch((err) => log.warn(`Could not send a progress notification: ${messageOf(err)}`));
  const withQueue = <T>(queuePath: string, mutates: boolean, fn: (q: Pacchettino) => T): Promise<T> => withQueueOf(registry, queuePath, mutates, fn);

  connection.onRequest(
    ConfigureRequest.type,
    guarded(ConfigureRequest.method, log, async (params) => {
      const settings = guard.configureParams(ConfigureRequest.method, params);
      await watchesCaughtUp(); // its reply carries the summaries of the queues it keeps
      return registry.configure(settings);
    }),
  );

  connection.onRequest(
    QueuesRequest.type,
    guarded(QueuesRequest.method, log, async (params) => {
      guard.noParams(QueuesRequest.method, params);
      await watchesCaughtUp();
      return registry.summaries();
    }),
  );

  connection.onRequest(
    JobsRequest.type,
    guarded(JobsRequest.method, log, (params) => {
      const p = guard.jobsParams(JobsRequest.method, params);
      // list() reads the queue's index (FolderIndex): no listing while its watch reports the changes.
      return withQueue(p.queue, false, (q) =>
        q.list(p.state, { offset: p.offset, limit: p.limit, order: p.order, filter: p.filter, sort: p.sort, around: p.around }),
      );
    }),
  );

  connection.onRequest(
    JobRequest.type,
    guarded(JobRequest.method, log, (params) => {
      const p = guard.jobParams(JobRequest.method, params);
      return withQueue(p.queue, false, (q) => {
        const job = q.details(p.id);
        if (!job) return null;
        return p.preview ? { ...job, preview: payloadPreview(job.path) } : job;
      });
    }),
  );

  connection.onRequest(
    EnqueueFilesRequest.type,
    guarded(EnqueueFilesRequest.method, log, (params, token) => {
      const p = guard.enqueueFilesParams(EnqueueFilesRequest.method, params);
      return mutateQueueAsync(registry, p.queue, (q) => enqueueFiles(q, p, token ?? CancellationToken.None, notifyProgress));
    }),
  );

  connection.onRequest(
    EnqueueDataRequest.type,
    guarded(EnqueueDataRequest.method, log, (params) => {
      const p = guard.enqueueDataParams(EnqueueDataRequest.method, params);
      return withQueue(p.queue, true, (q) => {
        const { results, errors } = perItem(['data'], () => q.sendData(p.data, { delay: p.delayMs }));
        return { ids: results, errors };
      });
    }),
  );

  connection.onRequest(
    RequeueRequest.type,
    guarded(RequeueRequest.method, log, (params) => {
      const p = guard.requeueParams(RequeueRequest.method, params);
      return withQueue(p.queue, true, (q) => {
        const byId = q.batch(() => perItem(p.ids ?? [], (id) => q.requeue(id)));
        const byState = perItem(p.states ?? [], (state) => q.requeueAll({ states: [finished(state, NOT_IN_BULK[state]!)] }));
        return { count: byId.results.length + sum(byState.results), errors: [...byId.errors, ...byState.errors] };
      });
    }),
  );

  connection.onRequest(
    DeleteRequest.type,
    guarded(DeleteRequest.method, log, (params) => {
      const p = guard.deleteParams(DeleteRequest.method, params);
      return withQueue(p.queue, true, (q) => {
        const { results, errors } = q.batch(() => perItem(p.ids, (id) => q.remove(id)));
        return { count: results.length, errors };
      });
    }),
  );

  connection.onRequest(
    CleanupRequest.type,
    guarded(CleanupRequest.method, log, (params) => {
      const p = guard.cleanupParams(CleanupRequest.method, params);
      return withQueue(p.queue, true, (q) => {
        const { results, errors } = perItem(p.states, (state) =>
          q.cleanup({
            states: [finished(state, `only finished jobs (SUCCESS, FAILED, INTERRUPTED) are cleaned up; delete ${state.toLowerCase()} jobs by id`)],
            olderThanMs: p.olderThanMs,
          }),
        );
        return { count: sum(results), errors };
      });
    }),
  );

  connection.onRequest(
    RecoverRequest.type,
    guarded(RecoverRequest.method, log, async (params) => {
      const p = guard.recoverParams(RecoverRequest.method, params);
      await watchesCaughtUp();
      return { interrupted: registry.recover(p.queue) };
    }),
  );
}

/**
 * Runs `op` on each item of a request: an item that fails becomes an entry of `errors`
 * (with the item named), so the rest of the request still happens.
 */
export function perItem<I extends string, R>(items: readonly I[], op: (item: I) => R): { results: R[]; errors: ItemError[] } {
  const results: R[] = [];
  const errors: ItemError[] = [];
  for (const item of items) {
    try {
      results.push(op(item));
    } catch (err) {
      errors.push({ item, message: messageOf(err), code: codeOf(err) });
    }
  }
  return { results, errors };
}

/** A finished state as it is; any other state fails its item with `why`. */
function finished(state: WireJobState, why: string): FinishedState {
  if (!isFinished(state)) throw new Error(why);
  return state;
}

function sum(ns: number[]): number {
  return ns.reduce((a, b) => a + b, 0);
}
