/**
 * A real SIGKILL at a real system call, with no hook in the code under test: strace(1)
 * attaches to a running process and, through its fault injection, delivers SIGKILL on
 * entry to the Nth matching call. The call itself never runs, so the process dies
 * exactly between the step before it and that call.
 *
 *   strace -p PID -f -y -o LOG -e trace=rename -P /q/queued/raw-ID -e inject=rename:signal=KILL:when=1
 *
 * `-P` narrows both tracing and injection to calls naming that path (or an fd open on it),
 * so "the first rename of queued/raw-ID" is exact whatever else the process does. (strace
 * 6.1 matches only the first path of a rename: the source.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export interface KillSpec {
  /** Syscall names that count, e.g. ['rename'] or ['statx', 'newfstatat']. */
  syscalls: string[];
  /** Only calls on these absolute paths count (strace -P); none: every call of `syscalls`. */
  paths?: string[];
  /** Strike on the Nth counted call (1 by default), or a range such as '2..3'. */
  when?: number | string;
  /** Instead of SIGKILL, make the call fail with this errno without running it (e.g. 'ENOSPC'). */
  error?: string;
  /**
   * Instead of SIGKILL on entry, let the call run and hold the process at its exit (strace's
   * delay_exit): the caller sees the call's effect, then kills the process with killHeld(),
   * so it dies right after the call, before running another instruction of its own.
   */
  hold?: boolean;
  /**
   * Instead of a kill, let the call run and stall the process at its exit for this long
   * (strace's delay_exit, e.g. '3s'), then let it go on: the window a race needs, held open.
   * untilHeld() resolves once the call is stalled.
   */
  stall?: string;
}

export interface ArmedKill {
  strace: ChildProcess;
  log: string;
  /** Resolves when strace has exited (after its tracee died, or was never hit). */
  done: Promise<void>;
}

/** strace's options for a spec: what to trace, on which paths, and the injection. */
function injectionArgs(spec: KillSpec): string[] {
  const set = spec.syscalls.join(',');
  const args = ['-e', `trace=${set}`];
  for (const p of spec.paths ?? []) args.push('-P', p);
  const strike = spec.stall ? `delay_exit=${spec.stall}` : spec.hold ? 'delay_exit=120s' : spec.error ? `error=${spec.error}` : 'signal=KILL';
  args.push('-e', `inject=${set}:${strike}:when=${spec.when ?? 1}`);
  return args;
}

/**
 * A command line that runs `argv` under the injection from its first instruction: for a
 * short-lived process (a CLI call) that armKill could not attach to in time.
 */
export function underInjection(spec: KillSpec, log: string, argv: string[]): string[] {
  return ['strace', '-f', '-y', '-o', log, ...injectionArgs(spec), '--', ...argv];
}

/**
 * Attaches strace to `pid` (all its threads) and resolves once it is attached, so the
 * caller can let the process go on knowing the next matching call is its last (or, with
 * `error`, fails).
 */
export async function armKill(pid: number, spec: KillSpec, log: string): Promise<ArmedKill> {
  const args = ['-p', String(pid), '-f', '-y', '-o', log, ...injectionArgs(spec)];
  const strace = spawn('strace', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const done = new Promise<void>((resolve) => strace.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    strace.once('error', reject);
    strace.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      // "strace: Process 123 attached" (or "... attached with 7 threads"), once per -p.
      if (/Process \d+ attached/.test(stderr)) resolve();
    });
    void done.then(() => reject(new Error(`strace exited before attaching to ${pid}: ${stderr}`)));
  });
  return { strace, log, done };
}

/**
 * Kills a process held at a call's exit (spec.hold), once strace has logged the call as
 * done ("= 0 (DELAYED)"). SIGKILL is pending the moment kill() returns, so the process
 * never runs again; then strace, which would sit out its delay, is killed too. (Asked to
 * stop with SIGTERM instead, strace 6.1 now and then waits forever for the dead tracee.)
 */
export async function killHeld(armed: ArmedKill, pid: number, timeoutMs = 10_000): Promise<void> {
  await untilHeld(armed, timeoutMs);
  process.kill(pid, 'SIGKILL');
  armed.strace.kill('SIGKILL');
  await armed.done;
}

/** Resolves once strace has logged the held (or stalled) call as done: "= 0 (DELAYED)". */
export function untilHeld(armed: ArmedKill, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const look = () => {
      if (!/= \S+ \(DELAYED\)$/m.test(fs.readFileSync(armed.log, 'utf8'))) return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    };
    const watcher = fs.watch(armed.log, look);
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`strace never held the call: ${fs.readFileSync(armed.log, 'utf8')}`));
    }, timeoutMs);
    look();
  });
}

/** The held call: the one that completed with "(DELAYED)". */
export function heldCall(log: string): KilledCall | undefined {
  for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
    const m = /^(\d+)\s+(\w+)\((.*)\)\s+= (\S+) \(DELAYED\)$/.exec(line);
    if (m) return { pid: Number(m[1]), name: m[2], args: m[3] };
  }
  return undefined;
}

export interface KilledCall {
  pid: number;
  name: string;
  /** Arguments as strace -y prints them (fds followed by <path>). */
  args: string;
}

/** The call the tracee was killed on: the one whose result is `?`, followed by "killed by SIGKILL". */
export function killedCall(log: string): KilledCall | undefined {
  const lines = fs.readFileSync(log, 'utf8').split('\n');
  // With -f, a call cut by another thread's line is printed as "<unfinished ...>" then "<... x resumed>".
  const unfinished = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const u = /^(\d+)\s+(.*) <unfinished \.\.\.>$/.exec(line);
    if (u) {
      unfinished.set(u[1], u[2]);
      continue;
    }
    const r = /^(\d+)\s+<\.\.\. \w+ resumed>(.*)$/.exec(line);
    if (r && unfinished.has(r[1])) line = `${r[1]} ${unfinished.get(r[1])}${r[2]}`;
    const m = /^(\d+)\s+(\w+)\((.*)\)\s+= \?$/.exec(line);
    if (!m) continue;
    const killed = lines.slice(i + 1).some((l) => new RegExp(`^${m[1]}\\s+\\+\\+\\+ killed by SIGKILL \\+\\+\\+$`).test(l));
    if (killed) return { pid: Number(m[1]), name: m[2], args: m[3] };
  }
  return undefined;
}
