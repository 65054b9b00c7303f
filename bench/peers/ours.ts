import * as fs from 'node:fs';
import { Pacchettino } from 'pacchettino';
import { childMain, hrms } from '../child';
import { exitAtDeadline, indexOf, nowNs, timedSend, type Args, type Drained, type Latencies, type Sent, nodeStep, type System } from './system';

/** Ours, through the library as a user calls it: sendData (sendMany in bulk), receive({ concurrency }), the watch for waiting. */
export const ours: System = {
  key: 'ours',
  label: 'ours',
  argv: nodeStep('ours'),
};

async function step(a: Args): Promise<Sent | Drained | Latencies> {
  const durable = 'durable' in a && a.durable;
  const q = new Pacchettino(a.dir, { durable });
  try {
    switch (a.op) {
      case 'send':
      case 'fill': {
        const seconds = await timedSend(
          a,
          (d) => q.sendData(d),
          (chunk) => q.sendMany(chunk),
        );
        return { seconds, queued: fs.readdirSync(q.layout.queued).length };
      }
      case 'drain': {
        const seen = new Array<number>(a.n).fill(0);
        q.onData = (job) => {
          seen[indexOf(job.data)]++;
          return 'SUCCESS';
        };
        const from = hrms();
        await q.receive({ concurrency: a.concurrency });
        const to = hrms();
        const left = fs.readdirSync(q.layout.queued).length + fs.readdirSync(q.layout.processing).length;
        return { seconds: (to - from) / 1000, from, to, seen, left };
      }
      case 'consumer': {
        exitAtDeadline(a.deadlineMs);
        const ms: number[] = [];
        q.onData = (job) => {
          ms.push(Number(nowNs() - BigInt(job.data.toString())) / 1e6);
          return 'SUCCESS';
        };
        const first = q.receiveOne({ timeout: 60_000 }); // starts the watch, then waits
        process.stdout.write('READY\n');
        await first;
        while (ms.length < a.n) await q.receiveOne({ timeout: 60_000 });
        return { ms };
      }
      case 'producer':
        for (let i = 0; i < a.n; i++) {
          q.sendData(String(nowNs()));
          await new Promise((resolve) => setTimeout(resolve, a.intervalMs));
        }
        return { seconds: 0, queued: 0 };
    }
  } finally {
    await q.close();
  }
}

childMain(module, step);
