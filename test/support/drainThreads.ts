/**
 * Consumers on worker_threads. drainInThreads() starts `threads` workers running this same
 * file; each opens its own Pacchettino on the queue, handles jobs with receiveOne() until
 * none is left, and writes each handled job's id on a line of its own log file, so a test
 * can check that the union of all logs is the sent set, with no duplicate.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { Pacchettino, type QueueOptions } from 'pacchettino';

interface DrainData {
  queue: string;
  options?: QueueOptions;
  logFile: string;
}

/** Resolves with how many jobs each thread handled; logs are `<logDir>/<pid>-<thread>.log`. */
export async function drainInThreads(queue: string, options: QueueOptions | undefined, threads: number, logDir: string): Promise<number[]> {
  const runs: Promise<number>[] = [];
  for (let i = 0; i < threads; i++) {
    const data: DrainData = { queue, options, logFile: path.join(logDir, `${process.pid}-${i}.log`) };
    const worker = new Worker(__filename, { workerData: data });
    runs.push(
      new Promise((resolve, reject) => {
        worker.once('message', (m: { handled: number }) => resolve(m.handled));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`drain thread exited with ${code} before reporting`)));
      }),
    );
  }
  return Promise.all(runs);
}

async function drain(data: DrainData): Promise<number> {
  const q = new Pacchettino(data.queue, data.options);
  const log = fs.openSync(data.logFile, 'a');
  q.onJob = (job) => {
    fs.writeSync(log, `${job.id}\n`);
    return 'SUCCESS';
  };
  let handled = 0;
  try {
    while (await q.receiveOne()) handled++;
  } finally {
    await q.close();
    fs.closeSync(log);
  }
  return handled;
}

if (!isMainThread && parentPort && (workerData as DrainData | undefined)?.logFile) {
  // A failure rejects unhandled, which ends the worker with an 'error' event drainInThreads() reports.
  void drain(workerData as DrainData).then((handled) => parentPort!.postMessage({ handled, threadId }));
}
