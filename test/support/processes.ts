import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import type { TestContext } from 'node:test';
import { readProcStat } from 'pacchettino/internal';

/**
 * Whether a pid names a live process: kill(pid, 0) succeeds (EPERM counts as alive) and it
 * is not a zombie (this machine's init does not reap orphans, so dead ones linger as Z).
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = readProcStat(pid)?.state;
  return state !== 'Z' && state !== 'X';
}

/** The pid of a process that has run and exited (reaped): a dead owner. */
export async function pidOfExitedProcess(): Promise<number> {
  for (;;) {
    const child = spawn('true', { stdio: 'ignore' });
    await once(child, 'exit');
    // Recycled within these few microseconds by someone else: take another.
    if (!pidAlive(child.pid!)) return child.pid!;
  }
}

/**
 * A live, idle process (`cat` on a pipe from us: it exits with us even if the test runner is killed).
 * Killed when the test ends.
 */
export async function startIdleProcess(t: TestContext): Promise<ChildProcess> {
  const child = spawn('cat', { stdio: ['pipe', 'ignore', 'ignore'] });
  await once(child, 'spawn');
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** Resolves when the child has exited (at once if it already has). */
export async function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal };
}

/** Direct children of a process (host pids), from /proc/<pid>/task/<pid>/children. */
export function childPids(pid: number): number[] {
  const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text ? text.split(/\s+/).map(Number) : [];
}
