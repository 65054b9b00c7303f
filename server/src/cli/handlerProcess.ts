import * as fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { JobNotStarted, MAX_OUTPUT_CHARS, displayName, fsPath, hasEscapedBytes, type HandlerAnswer, type Job } from '../core';
import { isOutOfResources } from '../core/errors';
import { EX } from './exitCodes';
import { passThrough } from './output';

export interface HandlerCommand {
  command: string;
  args: string[];
  /** Kill the handler after this many ms (FAILED). */
  timeoutMs?: number;
  queue: string;
}

/** After a SIGTERM (a timeout, or what a finished handler left behind), how long its group has before SIGKILL. */
const KILL_GRACE_MS = 5000;

/**
 * Once the handler has exited, how long its pipes may stay quiet before we stop reading
 * them: what it wrote itself is in the pipe already, and a daemon it started (which left
 * its group, so no signal reaches it) may hold the pipes open for ever.
 */
const OUTPUT_DRAIN_MS = 200;

/** The one place that maps a handler's exit to a result: 0 SUCCESS, 75 (EX_TEMPFAIL) RETRY, else FAILED. */
export function resultOfExit(code: number | null, signal: NodeJS.Signals | null, timedOut: boolean): HandlerAnswer {
  if (timedOut) return { result: 'FAILED', reason: 'timed out', exitCode: code, signal };
  if (signal) return { result: 'FAILED', reason: `killed by ${signal}`, exitCode: null, signal };
  if (code === 0) return 'SUCCESS';
  if (code === EX.TEMPFAIL) return { result: 'RETRY', reason: 'exit code 75 (try again later)', exitCode: code };
  return { result: 'FAILED', reason: `exit code ${code}`, exitCode: code };
}

/**
 * Handlers run in process groups of their own, so a Ctrl-C meant for the consumer does
 * not kill the job in hand, and a timeout, a shutdown or the job's end can stop everything
 * a handler started (a shell script's children too) by signalling its group. `lingering`
 * holds the groups of handlers that have exited, until their grace period is over.
 */
const runningGroups = new Set<number>();
const lingeringGroups = new Set<number>();

export function signalHandlers(signal: NodeJS.Signals): void {
  for (const pgid of [...runningGroups, ...lingeringGroups]) signalGroup(pgid, signal);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

// However the consumer ends (but SIGKILL), its handlers end with it.
process.on('exit', () => signalHandlers('SIGKILL'));

/**
 * Handler output goes to our stdout and stderr as it comes. When they are slow (a pipe
 * nobody reads yet), the handler's pipe is paused until they drain, so the handler waits
 * on its writes instead of us buffering them: one 'drain' listener per destination
 * resumes every paused source, however many handlers run.
 */
class Backpressure {
  private readonly paused = new Set<Readable>();
  constructor(dest: NodeJS.WriteStream) {
    dest.on('drain', () => {
      for (const src of this.paused) src.resume();
      this.paused.clear();
    });
  }
  hold(src: Readable): void {
    src.pause();
    this.paused.add(src);
  }
  release(src: Readable): void {
    this.paused.delete(src);
  }
  holds(src: Readable): boolean {
    return this.paused.has(src);
  }
}
let toStdout: Backpressure | undefined;
let toStderr: Backpressure | undefined;

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
export function runHandler(cmd: HandlerCommand, job: Job): Promise<HandlerAnswer> {
  // A path that is not valid UTF-8 cannot be put in an environment variable from Node (it
  // takes strings only): such a file job's handler reads its payload on stdin, as /dev/stdin.
  const fileOnStdin = job.kind === 'file' && hasEscapedBytes(job.path);
  const stdin = job.kind === 'data' || fileOnStdin ? openPayload(job.path) : 'ignore';
  if (!spareDescriptors(SPAWN_DESCRIPTORS)) {
    if (typeof stdin === 'number') fs.closeSync(stdin);
    return Promise.reject(new JobNotStarted(`cannot run ${cmd.command}: too few file descriptors left to start it (EMFILE)`));
  }
  let child: ChildProcess;
  try {
    child = spawn(cmd.command, cmd.args, {
      detached: true,
      // A data job's bytes are its payload file: the handler reads the file itself, nothing is streamed through us.
      stdio: [stdin, 'pipe', 'pipe'],
      env: {
        ...process.env,
        PACCHETTINO_QUEUE: cmd.queue,
        PACCHETTINO_JOB_ID: job.id,
        PACCHETTINO_JOB_NAME: job.kind === 'file' ? displayName(job.originalName) : '',
        PACCHETTINO_JOB_FILE: fileOnStdin ? '/dev/stdin' : job.path,
        PACCHETTINO_JOB_ATTEMPT: String(job.attempt),
        // `echo "42 resizing" >> "$PACCHETTINO_PROGRESS_FILE"`: shown in VS Code and by `pacchettino status`.
        PACCHETTINO_PROGRESS_FILE: job.progressFile,
      },
    });
  } catch (err) {
    return Promise.reject(notStartedOr(err, cmd));
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
    runningGroups.add(pgid);
    let output = '';
    // One decoder per stream: a character split across two reads is decoded whole, not as two U+FFFD.
    const decoders = { out: new StringDecoder('utf8'), err: new StringDecoder('utf8') };
    const keep = (from: StringDecoder, chunk: Buffer) => {
      output += from.write(chunk);
      if (output.length > 2 * MAX_OUTPUT_CHARS) output = output.slice(output.length - MAX_OUTPUT_CHARS);
    };
    const out = child.stdout!;
    const err = child.stderr!;
    toStdout ??= new Backpressure(process.stdout);
    toStderr ??= new Backpressure(process.stderr);
    let drainTimer: NodeJS.Timeout | undefined;
    let exited = false;
    const quietAfterExit = () => {
      if (!exited) return;
      clearTimeout(drainTimer);
      drainTimer = setTimeout(() => {
        // Still passing on what the handler wrote: keep reading.
        if (toStdout!.holds(out) || toStderr!.holds(err)) return quietAfterExit();
        out.destroy();
        err.destroy();
      }, OUTPUT_DRAIN_MS);
    };
    out.on('data', (c: Buffer) => {
      keep(decoders.out, c);
      if (!passThrough(c)) toStdout!.hold(out);
      quietAfterExit();
    });
    err.on('data', (c: Buffer) => {
      keep(decoders.err, c);
      if (!process.stderr.write(c)) toStderr!.hold(err);
      quietAfterExit();
    });

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
      exited = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      runningGroups.delete(pgid);
      // The job is over: what the handler left in its group goes too.
      lingeringGroups.add(pgid);
      signalGroup(pgid, 'SIGTERM');
      setTimeout(() => {
        signalGroup(pgid, 'SIGKILL');
        lingeringGroups.delete(pgid);
      }, KILL_GRACE_MS).unref();
      quietAfterExit();
    });
    child.on('close', (code, signal) => {
      clearTimeout(drainTimer);
      toStdout!.release(out);
      toStderr!.release(err);
      output += decoders.out.end() + decoders.err.end();
      const answer = resultOfExit(code, signal, timedOut);
      if (typeof answer === 'string') resolve(answer);
      else resolve({ ...answer, reason: timedOut ? `timed out after ${cmd.timeoutMs} ms` : answer.reason, output });
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
const SPAWN_DESCRIPTORS = 6;

function spareDescriptors(n: number): boolean {
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

function notStartedOr(err: unknown, cmd: HandlerCommand): Error {
  const message = `cannot run ${cmd.command}: ${(err as Error).message}`;
  return isOutOfResources(err) ? new JobNotStarted(message, { cause: err }) : new Error(message);
}
