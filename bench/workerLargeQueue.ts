/**
 * How the worker copes with one state holding many jobs: `node bench/out/workerLargeQueue.js [jobs]`
 * (default 100,000). Fills a temp queue, starts the real worker as the client does (fork,
 * --node-ipc), and times what the tree view asks for: counts (queues) and the first page
 * of jobs, cold and warm, plus the worker's RSS. Not part of `npm run bench`'s suite.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IPCMessageReader, IPCMessageWriter, InitializeRequest, createProtocolConnection } from 'vscode-languageserver-protocol/node';
import { Pacchettino } from 'pacchettino';

const WORKER_MAIN = require.resolve('@pacchettino/worker');

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, v];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const jobs = Number(process.argv[2] ?? 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-worker-bench-'));
  const queue = path.join(dir, 'q');
  try {
    const q = new Pacchettino(queue);
    const fill0 = Date.now();
    for (let i = 0; i < jobs; i++) q.sendData(`job ${i}`);
    console.log(`filled ${jobs} queued jobs in ${Date.now() - fill0} ms`);

    const child = fork(WORKER_MAIN, ['--node-ipc', `--clientProcessId=${process.pid}`], { execArgv: [], silent: true });
    const rpc = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    rpc.listen();
    const settings = { queues: [queue], keep: ['SUCCESS', 'FAILED', 'INTERRUPTED'], recoveryInterval: 60 };
    const [initMs] = await timed(() =>
      rpc.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: settings }),
    );
    console.log(`initialize (opens the queue, sweeps, first listing): ${initMs.toFixed(1)} ms; worker RSS ${rssMiB(child.pid!)} MiB`);

    const queues = () => rpc.sendRequest<{ counts?: { QUEUED: number } }[]>('pacchettino/queues', null);
    const firstPage = () => rpc.sendRequest<{ total: number; jobs: unknown[] }>('pacchettino/jobs', { queue, state: 'QUEUED', limit: 100 });

    const [coldQueues, summaries] = await timed(queues);
    const [coldPage, page] = await timed(firstPage);
    if (summaries[0].counts?.QUEUED !== jobs || page.total !== jobs || page.jobs.length !== 100)
      throw new Error(`unexpected answers: ${JSON.stringify(summaries)} total ${page.total}`);
    console.log(`first queues: ${coldQueues.toFixed(1)} ms, first jobs page (100 of ${page.total}): ${coldPage.toFixed(1)} ms`);

    const warm: number[] = [];
    for (let i = 0; i < 50; i++) warm.push((await timed(async () => (await queues(), await firstPage())))[0]);
    console.log(`warm queues + first page: median ${median(warm).toFixed(2)} ms, max ${Math.max(...warm).toFixed(2)} ms (50 rounds)`);

    // One more job moves queued/'s mtime: the next look lists the folder again, once.
    q.sendData('one more');
    const [relist] = await timed(async () => (await queues(), await firstPage()));
    const [after] = await timed(async () => (await queues(), await firstPage()));
    console.log(`after one more job: queues + first page ${relist.toFixed(1)} ms (re-list), then ${after.toFixed(2)} ms`);
    console.log(`worker RSS ${rssMiB(child.pid!)} MiB`);

    rpc.dispose();
    child.kill('SIGKILL');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
