import { Pacchettino } from 'pacchettino';
import { childMain, hrms, inChild, runQueueSeconds } from './child';
import { fillQueue, floor } from './floor';
import { scratchDir, settle } from './scratch';

/**
 * Draining a queue of N jobs: `receiveOne` in a loop (handler returns SUCCESS) at three
 * sizes, to show the per-job cost does not grow with the queue; and `receive()` at 10,000.
 * Payloads are empty: claiming and finishing are renames that never touch a payload's
 * blocks, and empty files keep setup and removal of 100,000 jobs out of the time budget.
 */
export const DRAIN_SIZES = [1_000, 10_000, 100_000];
/**
 * The floor our drain figures are read against: the steps our consumers take for a data job
 * (the file form: rename in, rename out; floor.c `drainfile`). `floor.drain.N` stays the
 * original's dir form (mkdir + rename + rename + rmdir), printed beside it.
 */
export const DRAIN_FLOOR = 'floor.drainFile';
export const RECEIVE_ALL_JOBS = 10_000;

interface Args {
  queue: string;
  n: number;
  how: 'one' | 'all';
}
interface Drained {
  seconds: number;
  /** CPU seconds of the drain in user mode (our JS, mostly) and in the kernel */
  user: number;
  sys: number;
  /** seconds runnable but waiting for a CPU */
  runq: number;
  /** ms per job in each tenth of the drain, in order */
  tenths: number[];
}

async function drainInChild({ queue, n, how }: Args): Promise<Drained> {
  const q = new Pacchettino(queue);
  let handled = 0;
  const marks: number[] = [];
  const step = n / 10;
  q.onData = () => {
    if (++handled % step === 0) marks.push(hrms());
    return 'SUCCESS';
  };
  const cpu0 = process.cpuUsage();
  const runq0 = runQueueSeconds();
  const t0 = hrms();
  if (how === 'one') {
    while (await q.receiveOne());
  } else {
    await q.receive();
  }
  const t1 = hrms();
  const cpu = process.cpuUsage(cpu0);
  const runq = runQueueSeconds() - runq0;
  await q.close();
  if (handled !== n) throw new Error(`drained ${handled} of ${n} jobs`);
  const tenths = marks.map((m, i) => (m - (i === 0 ? t0 : marks[i - 1])) / step);
  return { seconds: (t1 - t0) / 1000, user: cpu.user / 1e6, sys: cpu.system / 1e6, runq, tenths };
}

/** Per job, in µs: wall time, CPU in user mode, CPU in the kernel, waiting for a CPU; what is left is blocked (on the disk). */
export interface JobCost {
  wall: number;
  user: number;
  sys: number;
  runq: number;
}

export interface DrainRun {
  figures: Record<string, number>;
  costs: Record<string, JobCost>;
  tenths: number[];
}

const costOf = (r: { seconds: number; user: number; sys: number; runq: number }, n: number): JobCost => ({
  wall: (r.seconds * 1e6) / n,
  user: (r.user * 1e6) / n,
  sys: (r.sys * 1e6) / n,
  runq: (r.runq * 1e6) / n,
});

/** The run with the median time (the upper middle of an even count). */
function medianRun<T extends { seconds: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[runs.length >> 1];
}

export async function measureDrain(): Promise<DrainRun> {
  const figures: Record<string, number> = {};
  const costs: Record<string, JobCost> = {};
  let tenths: number[] = [];
  for (const n of DRAIN_SIZES) {
    // The 1k drain takes ~0.1 s: alternate floor and ours three times and keep each one's median run.
    const pairs = n <= 1000 ? 3 : 1;
    const floors: { seconds: number; user: number; sys: number; runq: number }[] = [];
    const dirFloors: typeof floors = [];
    const ours: Drained[] = [];
    for (let i = 0; i < pairs; i++) {
      // The floor of the steps we use (data jobs: the file form), and the original's dir form beside it.
      let dir = scratchDir(`floor-drainfile-${n}`);
      settle();
      floors.push(floor('drainfile', dir, n, 0));
      dir = scratchDir(`floor-drain-${n}`);
      settle();
      dirFloors.push(floor('drain', dir, n, 0));

      dir = scratchDir(`drain-${n}`);
      fillQueue(dir, n);
      settle();
      ours.push(await inChild<Drained>('drain', { queue: dir, n, how: 'one' }));
    }
    const f = medianRun(floors);
    const fd = medianRun(dirFloors);
    const r = medianRun(ours);
    figures[`${DRAIN_FLOOR}.${n}`] = n / f.seconds;
    costs[`${DRAIN_FLOOR}.${n}`] = costOf(f, n);
    figures[`floor.drain.${n}`] = n / fd.seconds;
    costs[`floor.drain.${n}`] = costOf(fd, n);
    figures[`drain.${n}`] = n / r.seconds;
    costs[`drain.${n}`] = costOf(r, n);
    if (n === DRAIN_SIZES[DRAIN_SIZES.length - 1]) tenths = r.tenths;
  }
  const dir = scratchDir('receive-all');
  fillQueue(dir, RECEIVE_ALL_JOBS);
  settle();
  const r = await inChild<Drained>('drain', { queue: dir, n: RECEIVE_ALL_JOBS, how: 'all' });
  figures[`receiveAll.${RECEIVE_ALL_JOBS}`] = RECEIVE_ALL_JOBS / r.seconds;
  costs[`receiveAll.${RECEIVE_ALL_JOBS}`] = costOf(r, RECEIVE_ALL_JOBS);
  return { figures, costs, tenths };
}

childMain(module, drainInChild);
