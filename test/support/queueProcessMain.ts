/** The child side of QueueProcess (see queueProcess.ts): run as `node queueProcessMain.js '<json spec>'`. */
import * as readline from 'node:readline';
import { Pacchettino, type HandlerAnswer, type QueueOptions } from 'pacchettino';
import { DrainThreads } from './drainThreads';
import { exitOnError } from './fatal';
import type { ChildEvent, Command, HandlerMode, Reply, Sent } from './queueProcess';

const spec = JSON.parse(process.argv[2]) as { queue: string; options?: QueueOptions };

function write(msg: Reply | ChildEvent): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

function main(): void {
  const q = new Pacchettino(spec.queue, spec.options);
  let mode: HandlerMode = 'success';
  let threads: DrainThreads | undefined;
  const blocked: ((a: HandlerAnswer) => void)[] = [];
  q.onJob = (job) => {
    write({ ev: 'running', id: job.id, name: job.name, path: job.path, attempt: job.attempt, at: Date.now() });
    if (mode === 'block') return new Promise<HandlerAnswer>((resolve) => blocked.push(resolve));
    return mode === 'fail' ? 'FAILED' : 'SUCCESS';
  };

  async function run(cmd: Command): Promise<unknown> {
    switch (cmd.op) {
      case 'send': {
        const startedAt = Date.now();
        const ids: string[] = [];
        for (let i = 0; i < (cmd.count ?? 1); i++) {
          ids.push(cmd.file !== undefined ? q.sendFile(cmd.file, { delay: cmd.delay, move: cmd.move }) : q.sendData(cmd.data ?? '', { delay: cmd.delay }));
        }
        return { ids, startedAt } satisfies Sent;
      }
      case 'receiveOne':
        mode = cmd.handler ?? 'success';
        return q.receiveOne({ timeout: cmd.timeout, randomize: cmd.randomize });
      case 'release': {
        const next = blocked.shift();
        if (!next) throw new Error('no blocked handler to release');
        next(cmd.result);
        return true;
      }
      case 'recover':
        return q.recover();
      case 'startThreads':
        threads = await DrainThreads.start(spec.queue, spec.options, cmd.threads, cmd.logDir);
        return true;
      case 'drainThreads':
        if (!threads) throw new Error('drainThreads before startThreads');
        return threads.go();
      case 'close':
        await q.close();
        return true;
    }
  }

  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const { seq, ...cmd } = JSON.parse(line) as Command & { seq: number };
    run(cmd).then(
      (value) => write({ seq, ok: true, value }),
      (err: Error & { code?: string }) => write({ seq, ok: false, error: { name: err.name, code: err.code, message: err.message } }),
    );
  });
  // The test runner went away: do not outlive it.
  rl.on('close', () => process.exit(0));
  write({ ev: 'ready', pid: process.pid });
}

try {
  main();
} catch (err) {
  exitOnError(err);
}
