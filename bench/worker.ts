import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  createProtocolConnection,
  IPCMessageReader,
  IPCMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { ConfigureRequest, JobsRequest, QueuesRequest, type JobsParams, type WorkerSettings } from '@pacchettino/shared';
import { Pacchettino } from 'pacchettino';
import { childExecArgv, childMain, exited, hrms, inChild } from './child';
import { fillQueue, floor } from './floor';
import { scratchDir, settle } from './scratch';
import { percentile } from './stats';

/**
 * The worker with 100,000 jobs in one state (queued/), spoken to as the VS Code client
 * does: fork with --node-ipc, initialize, ConfigureRequest (which answers the counts),
 * then the first page of the tree (JobsRequest, 100 jobs, oldest first).
 *  - cold: from ConfigureRequest to the first page, the worker never having seen the queue;
 *  - warm: QueuesRequest (counts) + JobsRequest again, nothing changed meanwhile, 60 ms after the
 *    last look as the changed looks are (median of SAMPLES): what a look costs without a change;
 *  - changed: the same once one more job has arrived (what each refresh of a tree open on a
 *    busy queue costs). The worker's index (FolderIndex) has the watch's report of the new name
 *    and looks it up when asked: no listing. Asked 60 ms after the send, before the worker's
 *    own coalesced refresh (100 ms of quiet) would have taken that cost, so the request pays it
 *    (one more job SAMPLES times, the median of the looks);
 *  - RSS: VmRSS of the worker after answering, and its peak (VmHWM).
 * The floors: Node's readdirSync of the same folder alone, in a fresh process (what the first
 * look cannot do without: the goal is ≤ 1.2× it), and below it the C listing (list queued/,
 * count the job names and keep the 100 oldest).
 */
export const WORKER_JOBS = 100_000;
export const PAGE = 100;
/** Warm and changed looks are taken this many times per run, and the run's figure is their median (one look is a few ms: one descheduling on a loaded machine would be most of it). */
export const SAMPLES = 9;
/** The worker's own entry (its package's main), as bench/workerLargeQueue.ts starts it. */
const WORKER = require.resolve('@pacchettino/worker');

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
  const floorList = floor('list', dir, PAGE);
  if (floorList.ops !== WORKER_JOBS) throw new Error(`the floor listed ${floorList.ops} of ${WORKER_JOBS} jobs`);
  const nodeList = await inChild<{ ms: number }>('worker', { queued: path.join(dir, 'queued') });
  const child = fork(WORKER, ['--node-ipc', `--clientProcessId=${process.pid}`], { execArgv: childExecArgv(), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  conn.listen();
  try {
    await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
    await conn.sendNotification(InitializedNotification.type, {});
    const settings: WorkerSettings = { queues: [dir], keep: ['SUCCESS', 'FAILED', 'INTERRUPTED'], recoveryInterval: 60, watch: true };
    const jobs: JobsParams = { queue: dir, state: 'QUEUED', offset: 0, limit: PAGE, order: 'asc' };

    const t0 = hrms();
    const [summary] = await conn.sendRequest(ConfigureRequest.type, settings);
    const t1 = hrms();
    const page = await conn.sendRequest(JobsRequest.type, jobs);
    const t2 = hrms();
    if (summary.counts?.QUEUED !== WORKER_JOBS || page.total !== WORKER_JOBS || page.jobs.length !== PAGE) {
      throw new Error(`the worker saw ${summary.counts?.QUEUED} / ${page.total} queued jobs and a page of ${page.jobs.length}`);
    }
    const warm: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      await delay(60); // as before each changed look below: both start from a worker at rest
      const t3 = hrms();
      const [again] = await conn.sendRequest(QueuesRequest.type);
      await conn.sendRequest(JobsRequest.type, jobs);
      warm.push(hrms() - t3);
      if (again.counts?.QUEUED !== WORKER_JOBS) throw new Error('the counts changed');
    }

    const sender = new Pacchettino(dir);
    const changed: number[] = [];
    for (let i = 1; i <= SAMPLES; i++) {
      sender.sendData('one more');
      await delay(60);
      const t5 = hrms();
      const [after] = await conn.sendRequest(QueuesRequest.type);
      await conn.sendRequest(JobsRequest.type, jobs);
      changed.push(hrms() - t5);
      if (after.counts?.QUEUED !== WORKER_JOBS + i) throw new Error(`the worker saw ${after.counts?.QUEUED} queued jobs after ${i} more were sent`);
    }

    const out = {
      'worker.coldCounts': t1 - t0,
      'worker.coldFirstPage': t2 - t0,
      'worker.warmCountsAndPage': percentile(warm, 50),
      'worker.changedCountsAndPage': percentile(changed, 50),
      'floor.list': floorList.seconds * 1000,
      'node.readdirSync': nodeList.ms,
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

/** In a fresh process: one readdirSync of the folder, as the worker's first look makes. */
childMain(module, ({ queued }: { queued: string }) => {
  const t0 = hrms();
  const n = fs.readdirSync(queued).length;
  const ms = hrms() - t0;
  if (n !== WORKER_JOBS) throw new Error(`listed ${n} of ${WORKER_JOBS}`);
  return { ms };
});
