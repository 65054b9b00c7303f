import * as fs from 'node:fs';
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { JobNotStarted, displayName, fsPath, hasEscapedBytes, type HandlerAnswer, type Job } from '../core';
import { isOutOfResources } from '../core/errors';
import { EX } from './exitCodes';
import { HandlerOutput } from './handlerOutput';
import { KILL_GRACE_MS, endGroup, groupStarted, signalGroup } from './processGroups';

export interface HandlerCommand {
  /** As the user gave it: the handler's argv[0], and the name in messages. */
  command: string;
  /** The executable checkHandlerCommand resolved it to, spawned instead of searching PATH per job. */
  file?: string;
  args: string[];
  /** Kill the handler after this many ms (FAILED). */
  timeoutMs?: number;
  queue: string;
}

/** The one place that maps a handler's exit to a result: 0 SUCCESS, 75 (EX_TEMPFAIL) RETRY, else FAILED. */
export function resultOfExit(code: number | null, signal: NodeJS.Signals | null, timedOut: boolean): HandlerAnswer {
  if (timedOut) return { result: 'FAILED', reason: 'timed out', exitCode: code, signal };
  if (signal) return { result: 'FAILED', reason: `killed by ${signal}`, exitCode: null, signal };
  if (code === 0) return 'SUCCESS';
  if (code === EX.TEMPFAIL) return { result: 'RETRY', reason: 'exit code 75 (try again later)', exitCode: code };
  return { result: 'FAILED', reason: `exit code ${code}`, exitCode: code };
}

/**
 * Runs the command for one job: the job in its environment, a data job's payload file as
 * its stdin, its output passed through to ours (with backpressure) and the tail kept for
 * the job's record.
 *
 * The job ends when the handler process exits. What it leaves running in its process
 * group (`sleep 60 &` in a script) is sent SIGTERM then, and SIGKILL after KILL_GRACE_MS;
 * a process that left the group on purpose (setsid, a daemon) is left alone, and its hold
 * on our pipes is not waited for. A handler that cannot be spawned for want of resources
 * throws JobNotStarted: the job goes back to queued/ as it was.
 */
export async function runHandler(cmd: HandlerCommand, job: Job): Promise<HandlerAnswer> {
  // A path that is not valid UTF-8 cannot be put in an environment variable from Node (it
  // takes strings only): such a file job's handler reads its payload on stdin, as /dev/stdin.
  const fileOnStdin = job.kind === 'file' && hasEscapedBytes(job.path);
  const stdin = job.kind === 'data' || fileOnStdin ? openPayload(job.path) : 'ignore';
  let child: ChildProcess;
  try {
    // A data job's bytes are its payload file: the handler reads the file itself, nothing is streamed through us.
    child = spawnHandler(cmd, [stdin, 'pipe', 'pipe'], SPAWN_DESCRIPTORS, {
      PACCHETTINO_JOB_ID: job.id,
      PACCHETTINO_JOB_NAME: job.kind === 'file' ? displayName(job.originalName) : '',
      PACCHETTINO_JOB_FILE: fileOnStdin ? '/dev/stdin' : job.path,
      PACCHETTINO_JOB_ATTEMPT: String(job.attempt),
      // `echo "42 resizing" >> "$PACCHETTINO_PROGRESS_FILE"`: shown in VS Code and by `pacchettino status`.
      PACCHETTINO_PROGRESS_FILE: job.progressFile,
    });
  } finally {
    // The child has its own copy (spawn forks before it returns).
    if (typeof stdin === 'number') fs.closeSync(stdin);
  }
  return new Promise((resolve, reject) => {
    // Spawning failed (pipes or fork refused): `error` follows, and there are no streams to read.
    if (child.pid === undefined) {
      child.once('error', (err) => {
        const e = notStartedOr(err, cmd);
        if (e instanceof JobNotStarted) reject(e);
        else resolve({ result: 'FAILED', reason: e.message, exitCode: null });
      });
      return;
    }
    const pgid = child.pid;
    groupStarted(pgid);
    const output = new HandlerOutput(child.stdout!, child.stderr!);

    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = cmd.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          signalGroup(pgid, 'SIGTERM');
          killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), KILL_GRACE_MS);
        }, cmd.timeoutMs)
      : undefined;
    child.on('error', () => undefined); // after a successful spawn only a failed kill() errs, and kill is not used
    child.on('exit', () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      // The job is over: what the handler left in its group goes too.
      endGroup(pgid);
      output.processExited();
    });
    child.on('close', (code, signal) => {
      const tail = output.take(true);
      const answer = resultOfExit(code, signal, timedOut);
      if (typeof answer === 'string') resolve(answer);
      else resolve({ ...answer, reason: timedOut ? `timed out after ${cmd.timeoutMs} ms` : answer.reason, output: tail });
    });
  });
}

/**
 * What spawn holds at once: a socket pair each for stdout and stderr, and libuv's pipe for
 * exec errors. When it fails for want of them, Node (20) returns before it adopts the
 * parent's ends it already made and never closes them, so each failed spawn leaks two
 * descriptors and the next fails sooner. Looking first keeps a starved consumer from
 * starving itself for good.
 */
export const SPAWN_DESCRIPTORS = 6;

/**
 * Starts the handler command in a process group of its own (so what it starts can be
 * stopped with it), by the path resolved once, with the queue and `env` in its environment.
 * Throws JobNotStarted where descriptors or processes are short (`descriptors`: how many the
 * spawn needs), else the spawn's error as notStartedOr words it.
 */
export function spawnHandler(cmd: HandlerCommand, stdio: StdioOptions, descriptors: number, env: Record<string, string>): ChildProcess {
  if (!spareDescriptors(descriptors)) throw new JobNotStarted(`cannot run ${cmd.command}: too few file descriptors left to start it (EMFILE)`);
  try {
    return spawn(cmd.file ?? cmd.command, cmd.args, {
      argv0: cmd.command,
      detached: true,
      stdio,
      env: { ...process.env, PACCHETTINO_QUEUE: cmd.queue, ...env },
    });
  } catch (err) {
    throw notStartedOr(err, cmd);
  }
}

export function spareDescriptors(n: number): boolean {
  const fds: number[] = [];
  try {
    for (let i = 0; i < n; i++) fds.push(fs.openSync('/dev/null', 'r'));
    return true;
  } catch (err) {
    if (isOutOfResources(err)) return false;
    throw err;
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

/** The payload, opened for the handler's stdin; running out of descriptors here means the job cannot start. */
function openPayload(file: string): number {
  try {
    return fs.openSync(fsPath(file), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if (isOutOfResources(err)) throw new JobNotStarted(`cannot open the payload for the handler's stdin: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}

export function notStartedOr(err: unknown, cmd: HandlerCommand): Error {
  const message = `cannot run ${cmd.command}: ${(err as Error).message}`;
  return isOutOfResources(err) ? new JobNotStarted(message, { cause: err }) : new Error(message);
}
