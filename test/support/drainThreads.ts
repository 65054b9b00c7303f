/**
 * Consumers on worker_threads. DrainThreads.start() starts `threads` workers running this same
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

/**
 * `threads` drain threads, each with its queue open and waiting: go() lets them all loose at
 * once and resolves with how many jobs each handled; logs are `<logDir>/<pid>-<thread>.log`.
 * (Started and let go apart, so that a test can let every process's threads go together:
 * a thread that started first would otherwise drain a fast queue alone.)
 */
export class DrainThreads {
  private constructor(
    private readonly workers: Worker[],
    private readonly done: Promise<number>[],
  ) {}

  static async start(queue: string, options: QueueOptions | undefined, threads: number, logDir: string): Promise<DrainThreads> {
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    const done: Promise<number>[] = [];
    for (let i = 0; i < threads; i++) {
      const data: DrainData = { queue, options, logFile: path.join(logDir, `${process.pid}-${i}.log`) };
      const worker = new Worker(__filename, { workerData: data });
      workers.push(worker);
      const failed = new Promise<never>((_, reject) => {
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`drain thread exited with ${code} before reporting`)));
      });
      failed.catch(() => undefined); // reported through whichever of ready/done is awaited
      ready.push(Promise.race([new Promise<void>((resolve) => worker.once('message', () => resolve())), failed]));
      done.push(
        (async () => {
          await ready[i];
          return Promise.race([new Promise<number>((resolve) => worker.once('message', (m: { handled: number }) => resolve(m.handled))), failed]);
        })(),
      );
    }
    await Promise.all(ready);
    return new DrainThreads(workers, done);
  }

  go(): Promise<number[]> {
    for (const w of this.workers) w.postMessage('go');
    return Promise.all(this.done);
  }
}

async function drain(data: DrainData): Promise<number> {
  const q = new Pacchettino(data.queue, data.options);
  const log = fs.openSync(data.logFile, 'a');
  q.onJob = (job) => {
    fs.writeSync(log, `${job.id}\n`);
    return 'SUCCESS';
  };
  // Ready, and waiting for the word.
  await new Promise<void>((resolve) => {
    parentPort!.once('message', () => resolve());
    parentPort!.postMessage({ ready: true });
  });
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
  // A failure rejects unhandled, which ends the worker with an 'error' event DrainThreads reports.
  void drain(workerData as DrainData).then((handled) => parentPort!.postMessage({ handled, threadId }));
}
