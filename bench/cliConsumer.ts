import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exited, hrms } from './child';
import { fillQueue, floor } from './floor';
import { scratchDir, settle } from './scratch';

/**
 * The CLI consumer: `pacchettino consume <queue> --once -- true` over 1,000 jobs, timed
 * from starting the CLI to its exit, so Node's start-up is in it, shared by 1,000 jobs.
 * Its floor is posix_spawn + waitpid of true(1) in a C loop: one process per job, no queue.
 */
export const CLI_JOBS = 1_000;
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
  return { 'floor.spawn': CLI_JOBS / f.seconds, cliConsume: CLI_JOBS / seconds };
}
