import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { childMain, hrms } from '../child';
import { peerRequire } from './install';
import { exitAtDeadline, indexOf, timedSend, nowNs, silent, type Args, type Drained, type Latencies, type Sent, nodeStep, type System } from './system';

/**
 * plainjob on better-sqlite3 12 (SQLite in WAL mode). plainjob sets `synchronous = NORMAL`,
 * which in WAL mode commits without an fsync; the durable ops set `synchronous = FULL`, an
 * fsync of the WAL at every commit. Its worker polls: a claim is one transaction, and
 * when there is none it sleeps `pollIntervall` (1,000 ms by default; 1 ms here, its best case).
 */
export const plainjob: System = {
  key: 'plainjob',
  label: 'plainjob',
  argv: nodeStep('plainjob'),
};
const POLL_MS = 1;

interface Job {
  data: string;
}
interface Queue {
  add(type: string, data: unknown): unknown;
  addMany(type: string, data: unknown[]): unknown;
  countJobs(opts?: { status?: number }): number;
  getAndMarkJobAsProcessing(type: string): { id: number } | undefined;
  close(): void;
}
interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
}
interface Connection {
  pragma(stmt: string): void;
}
interface Plainjob {
  better(db: unknown): Connection;
  defineQueue(opts: { connection: Connection; logger: typeof silent }): Queue;
  defineWorker(type: string, fn: (job: Job) => void, opts: { queue: Queue; logger: typeof silent; pollIntervall: number }): Worker;
  JobStatus: { Pending: number; Processing: number };
}

async function step(a: Args): Promise<Sent | Drained | Latencies> {
  // plainjob is an ES module only: import() it by path, from the cache folder.
  const pj = (await import(pathToFileURL(peerRequire.resolve('plainjob')).href)) as Plainjob;
  const Database = peerRequire('better-sqlite3') as new (file: string) => unknown;
  const connection = pj.better(new Database(path.join(a.dir, 'queue.db')));
  const queue = pj.defineQueue({ connection, logger: silent });
  if ('durable' in a && a.durable) connection.pragma('synchronous = FULL');
  const waiting = () => queue.countJobs({ status: pj.JobStatus.Pending }) + queue.countJobs({ status: pj.JobStatus.Processing });
  const work = (fn: (job: Job) => void) => pj.defineWorker('j', fn, { queue, logger: silent, pollIntervall: POLL_MS });
  try {
    switch (a.op) {
      case 'send':
      case 'fill': {
        const seconds = await timedSend(
          a,
          (data) => queue.add('j', data),
          (chunk) => queue.addMany('j', chunk),
        );
        return { seconds, queued: waiting() };
      }
      case 'drain': {
        const seen = new Array<number>(a.n).fill(0);
        const worker = work((job) => {
          seen[indexOf(JSON.parse(job.data) as string)]++;
        });
        // Drained when a claim finds nothing (the worker would sleep and poll again): stop it there.
        // Several processes may share the queue, so no one of them can count to n.
        const claim = queue.getAndMarkJobAsProcessing.bind(queue);
        queue.getAndMarkJobAsProcessing = (type) => {
          const job = claim(type);
          if (!job) void worker.stop();
          return job;
        };
        const from = hrms();
        await worker.start();
        const to = hrms();
        return { seconds: (to - from) / 1000, from, to, seen, left: waiting() };
      }
      case 'consumer': {
        exitAtDeadline(a.deadlineMs);
        const ms: number[] = [];
        const worker = work((job) => {
          ms.push(Number(nowNs() - BigInt(JSON.parse(job.data) as string)) / 1e6);
          if (ms.length === a.n) void worker.stop();
        });
        const running = worker.start();
        process.stdout.write('READY\n');
        await running;
        return { ms };
      }
      case 'producer':
        for (let i = 0; i < a.n; i++) {
          queue.add('j', String(nowNs()));
          await new Promise((resolve) => setTimeout(resolve, a.intervalMs));
        }
        return { seconds: 0, queued: 0 };
    }
  } finally {
    queue.close();
  }
}

childMain(module, step);
