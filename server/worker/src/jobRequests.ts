import type { Connection } from 'vscode-languageserver/node';
import type { JobDetails } from 'pacchettino';
import {
  DiscoverQueuesRequest,
  FindJobRequest,
  FolderContentsRequest,
  MatchingIdsRequest,
  PromoteRequest,
  type FindJobResult,
  type WireJob,
} from '@pacchettino/shared';
import { guarded, messageOf, toResponseError } from './errorReplies';
import * as guard from './paramGuards';
import { withQueue } from './queueAccess';
import { discoverQueues, folderContents } from './queueDiscovery';
import type { QueueRegistry } from './queueRegistry';
import { perItem } from './requestHandlers';
import type { WorkerLog } from './workerLog';

/** Finding a job in any queue, the ids a filter matches, promoting scheduled jobs, finding queues and looking into a folder before it is added. */
export function registerJobRequests(connection: Connection, registry: QueueRegistry, log: WorkerLog): void {
  connection.onRequest(
    FindJobRequest.type,
    guarded(FindJobRequest.method, log, async (params) => {
      const p = guard.findJobParams(FindJobRequest.method, params);
      const result: FindJobResult = { matches: [], refusals: [] };
      for (const queue of p.queue !== undefined ? [p.queue] : registry.paths()) {
        try {
          // The core's resolver: the same forms and the same AMBIGUOUS refusal as the CLI's status.
          const job = await withQueue(registry, queue, false, (q) => q.details(p.text));
          if (job) result.matches.push({ queue, job: listed(job) });
        } catch (err) {
          result.refusals.push({ item: queue, message: messageOf(err) });
        }
      }
      return result;
    }),
  );

  connection.onRequest(
    MatchingIdsRequest.type,
    guarded(MatchingIdsRequest.method, log, async (params) => {
      const p = guard.matchingIdsParams(MatchingIdsRequest.method, params);
      return { ids: await withQueue(registry, p.queue, false, (q) => q.matchingIds(p.state, { filter: p.filter })) };
    }),
  );

  connection.onRequest(
    PromoteRequest.type,
    guarded(PromoteRequest.method, log, (params) => {
      const p = guard.promoteParams(PromoteRequest.method, params);
      return withQueue(registry, p.queue, true, (q) => {
        const { results, errors } = q.batch(() => perItem(p.ids, (id) => q.promote(id)));
        return { count: results.length, errors };
      });
    }),
  );

  connection.onRequest(DiscoverQueuesRequest.type, async (params: unknown) => {
    try {
      const p = guard.discoverQueuesParams(DiscoverQueuesRequest.method, params);
      return { queues: await discoverQueues(p.roots) };
    } catch (err) {
      throw toResponseError(DiscoverQueuesRequest.method, err, log);
    }
  });

  connection.onRequest(FolderContentsRequest.type, async (params: unknown) => {
    try {
      return await folderContents(guard.folderContentsParams(FolderContentsRequest.method, params).path);
    } catch (err) {
      throw toResponseError(FolderContentsRequest.method, err, log);
    }
  });
}

/** A job as a listing shows it: its record stays for the details request. */
function listed(job: JobDetails): WireJob {
  const { record: _record, ...info } = job;
  void _record;
  return info;
}
