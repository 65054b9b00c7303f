import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Every measurement runs in a fresh Node process, so the JIT and GC state one leaves
 * behind never bills the next. A measurement module calls `childMain` at its bottom;
 * the orchestrator calls `inChild` with the module's name and arguments.
 */
const RESULT = 'BENCH_RESULT ';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Extra node flags for every child: BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles each one. */
export function childExecArgv(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
}

export function forkBench(module: string, args: Json, opts: ForkOptions = {}): ChildProcess {
  return fork(path.join(__dirname, `${module}.js`), [JSON.stringify(args)], {
    execArgv: childExecArgv(),
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    ...opts,
  });
}

/** Runs `module`'s childMain with `args` in a new process; resolves what it returned. */
export function inChild<T>(module: string, args: Json): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = forkBench(module, args);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT));
      if (code !== 0 || !line) return reject(new Error(`bench child ${module} ${JSON.stringify(args)} exited ${code ?? signal}: ${out.slice(-2000)}`));
      resolve(JSON.parse(line.slice(RESULT.length)) as T);
    });
  });
}

/** In a measurement module: when run as a child, do the work and print the result. */
export function childMain<A>(mod: NodeJS.Module, fn: (args: A) => unknown): void {
  if (require.main !== mod) return;
  Promise.resolve()
    .then(() => fn(JSON.parse(process.argv[2] ?? 'null') as A))
    .then((result) => {
      process.stdout.write(RESULT + JSON.stringify(result) + '\n', () => process.exit(0));
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

/**
 * Resolves the first IPC message of a child that `pick` accepts. M is what that child
 * sends (a bench module's own child, so its messages are taken as typed); `pick` narrows
 * it to the one awaited.
 */
export function message<M, T extends M>(child: ChildProcess, pick: (m: M) => m is T): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!pick(m as M)) return;
      cleanup();
      resolve(m as T);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`child exited (${code ?? signal}) before the awaited message`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

export const hrms = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Seconds this process has spent runnable but waiting for a CPU (/proc/self/schedstat): other work on the machine. */
export function runQueueSeconds(): number {
  try {
    return Number(fs.readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}
