import { childMain, hrms } from '../child';
import { peerRequire } from './install';
import { exitAtDeadline, indexOf, timedSend, nowNs, type Args, type Drained, type Latencies, type Sent, nodeStep, type System } from './system';

/**
 * BullMQ on Debian's redis-server (redis.ts starts it, on a loopback port; plain, or with
 * `appendonly yes` + `appendfsync always` for the durable ops). The types below are the
 * few members we call: the package lives in the bench's cache folder, not in our node_modules.
 */
export const bullmq: System = {
  key: 'bullmq',
  label: 'BullMQ',
  argv: nodeStep('bullmq'),
};

interface Job {
  data: { d: string };
}
interface Queue {
  waitUntilReady(): Promise<unknown>;
  add(name: string, data: Job['data']): Promise<unknown>;
  addBulk(jobs: { name: string; data: Job['data'] }[]): Promise<unknown>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}
interface Worker {
  waitUntilReady(): Promise<unknown>;
  run(): Promise<void>;
  on(event: 'completed', fn: () => void): void;
  close(): Promise<void>;
}
interface BullMQ {
  Queue: new (name: string, opts: { connection: object }) => Queue;
  Worker: new (name: string, fn: (job: Job) => Promise<void>, opts: { connection: object; concurrency?: number; autorun?: boolean }) => Worker;
}

async function step(a: Args): Promise<Sent | Drained | Latencies> {
  const { Queue, Worker } = peerRequire('bullmq') as BullMQ;
  // BullMQ's workers need maxRetriesPerRequest: null (blocking commands must not time out).
  const connection = { host: '127.0.0.1', port: a.port, maxRetriesPerRequest: null };
  const queue = new Queue(a.name, { connection });
  await queue.waitUntilReady();
  const waiting = async () => {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).reduce((s, x) => s + x, 0);
  };
  try {
    switch (a.op) {
      case 'send':
      case 'fill': {
        const seconds = await timedSend(
          a,
          (d) => queue.add('j', { d }),
          (chunk) => queue.addBulk(chunk.map((d) => ({ name: 'j', data: { d } }))),
        );
        return { seconds, queued: await waiting() };
      }
      case 'drain': {
        const seen = new Array<number>(a.n).fill(0);
        let completed = 0;
        let done!: () => void;
        const all = new Promise<void>((resolve) => (done = resolve));
        const worker = new Worker(
          a.name,
          (job) => {
            seen[indexOf(job.data.d)]++;
            return Promise.resolve();
          },
          { connection, concurrency: a.concurrency, autorun: false },
        );
        worker.on('completed', () => ++completed === a.n && done());
        await worker.waitUntilReady();
        const from = hrms();
        void worker.run();
        await all;
        const to = hrms();
        await worker.close();
        return { seconds: (to - from) / 1000, from, to, seen, left: await waiting() };
      }
      case 'consumer': {
        exitAtDeadline(a.deadlineMs);
        const ms: number[] = [];
        let done!: () => void;
        const all = new Promise<void>((resolve) => (done = resolve));
        const worker = new Worker(
          a.name,
          (job) => {
            ms.push(Number(nowNs() - BigInt(job.data.d)) / 1e6);
            if (ms.length === a.n) done();
            return Promise.resolve();
          },
          { connection, concurrency: 1 },
        );
        await worker.waitUntilReady();
        process.stdout.write('READY\n');
        await all;
        await worker.close();
        return { ms };
      }
      case 'producer':
        for (let i = 0; i < a.n; i++) {
          await queue.add('j', { d: String(nowNs()) });
          await new Promise((resolve) => setTimeout(resolve, a.intervalMs));
        }
        return { seconds: 0, queued: 0 };
    }
  } finally {
    await queue.close();
  }
}

childMain(module, step);
