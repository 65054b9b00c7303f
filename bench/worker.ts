import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  createProtocolConnection,
  IPCMessageReader,
  IPCMessageWriter,
} from 'vscode-languageserver-protocol/node';
import type * as Protocol from '../shared/out/protocol';
import { childExecArgv, exited, hrms } from './child';
import { fillQueue } from './floor';
import { scratchDir, settle } from './scratch';

/**
 * The worker with 100,000 jobs in one state (queued/), spoken to as the VS Code client
 * does: fork with --node-ipc, initialize, ConfigureRequest (which answers the counts),
 * then the first page of the tree (JobsRequest, 100 jobs, oldest first).
 *  - cold: from ConfigureRequest to the first page, the worker never having seen the queue;
 *  - warm: QueuesRequest (counts) + JobsRequest again, nothing changed meanwhile;
 *  - RSS: VmRSS of the worker after answering, and its peak (VmHWM).
 */
export const WORKER_JOBS = 100_000;
export const PAGE = 100;
const WORKER = path.join(__dirname, '..', '..', 'server', 'out', 'worker', 'main.js');
// Compiled output sits one level deeper than the source: load the shared messages at run time, typed.
const protocol: typeof Protocol = require(path.join(__dirname, '..', '..', 'shared', 'out', 'protocol'));

function vmKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

export async function measureWorker(): Promise<Record<string, number>> {
  const dir = scratchDir('worker');
  fillQueue(dir, WORKER_JOBS);
  settle();
  const child = fork(WORKER, ['--node-ipc', `--clientProcessId=${process.pid}`], { execArgv: childExecArgv(), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  conn.listen();
  try {
    await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
    await conn.sendNotification(InitializedNotification.type, {});
    const settings: Protocol.WorkerSettings = { queues: [dir], keep: 7, recoveryInterval: 60, watch: true };
    const jobs: Protocol.JobsParams = { queue: dir, state: 'QUEUED', offset: 0, limit: PAGE, order: 'asc' };

    const t0 = hrms();
    const [summary] = await conn.sendRequest(protocol.ConfigureRequest.type, settings);
    const t1 = hrms();
    const page = await conn.sendRequest(protocol.JobsRequest.type, jobs);
    const t2 = hrms();
    if (summary.counts?.QUEUED !== WORKER_JOBS || page.total !== WORKER_JOBS || page.jobs.length !== PAGE) {
      throw new Error(`the worker saw ${summary.counts?.QUEUED} / ${page.total} queued jobs and a page of ${page.jobs.length}`);
    }
    const t3 = hrms();
    const [again] = await conn.sendRequest(protocol.QueuesRequest.type, undefined);
    await conn.sendRequest(protocol.JobsRequest.type, jobs);
    const t4 = hrms();
    if (again.counts?.QUEUED !== WORKER_JOBS) throw new Error('the counts changed');

    const out = {
      'worker.coldCounts': t1 - t0,
      'worker.coldFirstPage': t2 - t0,
      'worker.warmCountsAndPage': t4 - t3,
      'worker.rss': vmKb(child.pid!, 'VmRSS') / 1024,
      'worker.peakRss': vmKb(child.pid!, 'VmHWM') / 1024,
    };
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
    await exited(child);
    return out;
  } finally {
    conn.dispose();
    if (child.exitCode === null) child.kill();
  }
}
