import { Pacchettino } from 'pacchettino';
import { exited, forkBench, message } from './child';
import { scratchDir, settle } from './scratch';
import { percentile } from './stats';

/**
 * Wake-up latency: a consumer waits in receiveOne(timeout); another process sends one
 * job every 10 ms, 500 jobs, each carrying the monotonic clock (CLOCK_MONOTONIC, shared
 * by all processes of the machine) at its send. The consumer's handler takes the
 * difference when it starts: send to handler start, through the watch and the claim.
 */
export const WAKEUP_JOBS = 500;
export const WAKEUP_INTERVAL_MS = 10;

const nowNs = () => process.hrtime.bigint();

type FromConsumer = { ready: true } | { latencies: number[] };

function consumerChild(queue: string): void {
  const q = new Pacchettino(queue);
  const latencies: number[] = [];
  q.onData = (job) => {
    latencies.push(Number(nowNs() - BigInt(job.data.toString())) / 1e6);
    return 'SUCCESS';
  };
  void (async () => {
    const first = q.receiveOne({ timeout: 60_000 }); // starts the watch, then waits
    process.send!({ ready: true } satisfies FromConsumer);
    await first;
    while (latencies.length < WAKEUP_JOBS) await q.receiveOne({ timeout: 60_000 });
    await q.close();
    process.send!({ latencies } satisfies FromConsumer, () => process.exit(0));
  })();
}

function producerChild(queue: string): void {
  const q = new Pacchettino(queue);
  let sent = 0;
  const timer = setInterval(() => {
    q.sendData(String(nowNs()));
    if (++sent === WAKEUP_JOBS) {
      clearInterval(timer);
      void q.close();
    }
  }, WAKEUP_INTERVAL_MS);
}

export async function measureWakeup(): Promise<Record<string, number>> {
  const dir = scratchDir('wakeup');
  new Pacchettino(dir); // the folders, before either side opens them
  settle();
  const consumer = forkBench('wakeup', { role: 'consumer', queue: dir }, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await message(consumer, (m: FromConsumer) => 'ready' in m);
  const result = message(consumer, (m: FromConsumer) => 'latencies' in m);
  const producer = forkBench('wakeup', { role: 'producer', queue: dir }, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { latencies } = await result;
  await Promise.all([exited(consumer), exited(producer)]);
  return { 'wakeup.p50': percentile(latencies, 50), 'wakeup.p99': percentile(latencies, 99) };
}

if (require.main === module) {
  const { role, queue } = JSON.parse(process.argv[2]) as { role: 'consumer' | 'producer'; queue: string };
  if (role === 'consumer') consumerChild(queue);
  else producerChild(queue);
}
