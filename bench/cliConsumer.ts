import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exited, hrms, inChild } from './child';
import { fillQueue, floor } from './floor';
import { scratchDir, settle } from './scratch';

/**
 * The CLI consumer: `pacchettino consume <queue> --once -- true` over 1,000 jobs, timed
 * from starting the CLI to its exit, so Node's start-up is in it, shared by 1,000 jobs.
 * Its floor is posix_spawn + waitpid of true(1) in a C loop: one process per job, no queue.
 */
export const CLI_JOBS = 1_000;
/** `consume --persistent` and the library's drain beside it: more jobs, so Node's start-up is a small share. */
export const PERSISTENT_JOBS = 10_000;

/**
 * A persistent handler that answers at once: a SUCCESS line for every job line on fd 3.
 * Node, because it is there wherever the bench runs; it reads and answers whole chunks.
 */
const ANSWER_AT_ONCE = `const s = new (require('net').Socket)({ fd: 3, readable: true, writable: true });
s.on('data', (c) => { let n = 0; for (const b of c) if (b === 10) n++; if (n) s.write('SUCCESS\\n'.repeat(n)); });
s.on('end', () => process.exit(0));`;
// The bin npm links, as a user runs it.
const CLI = path.join(__dirname, '..', '..', 'server', 'bin', 'pacchettino.js');

export async function measureCliConsumer(): Promise<Record<string, number>> {
  let dir = scratchDir('floor-spawn');
  settle();
  const f = floor('spawn', dir, CLI_JOBS);

  dir = scratchDir('cli-consume');
  fillQueue(dir, CLI_JOBS);
  settle();
  const t0 = hrms();
  const cli = spawn(process.execPath, [CLI, 'consume', dir, '--once', '--', 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  cli.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await exited(cli);
  const seconds = (hrms() - t0) / 1000;
  const succeeded = fs.readdirSync(path.join(dir, 'success')).length;
  if (code !== 0 || succeeded !== CLI_JOBS) throw new Error(`consume exited ${code} with ${succeeded} of ${CLI_JOBS} jobs in success/: ${stderr}`);
  const persistent = await measurePersistent();
  return { 'floor.spawn': CLI_JOBS / f.seconds, cliConsume: CLI_JOBS / seconds, ...persistent };
}

/** `consume --once --persistent` over PERSISTENT_JOBS, from the CLI's start to its exit, and the library's receiveOne loop over as many beside it. */
async function measurePersistent(): Promise<Record<string, number>> {
  let dir = scratchDir('persistent-drain');
  fillQueue(dir, PERSISTENT_JOBS);
  settle();
  const drain = await inChild<{ seconds: number }>('drain', { queue: dir, n: PERSISTENT_JOBS, how: 'one' });

  dir = scratchDir('cli-persistent');
  fillQueue(dir, PERSISTENT_JOBS);
  settle();
  const t0 = hrms();
  const cli = spawn(process.execPath, [CLI, 'consume', dir, '--once', '--persistent', '--', process.execPath, '-e', ANSWER_AT_ONCE], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  cli.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await exited(cli);
  const seconds = (hrms() - t0) / 1000;
  const succeeded = fs.readdirSync(path.join(dir, 'success')).length;
  if (code !== 0 || succeeded !== PERSISTENT_JOBS)
    throw new Error(`consume --persistent exited ${code} with ${succeeded} of ${PERSISTENT_JOBS} jobs in success/: ${stderr}`);
  return { cliPersistent: PERSISTENT_JOBS / seconds, 'cliPersistent.drainBeside': PERSISTENT_JOBS / drain.seconds };
}
