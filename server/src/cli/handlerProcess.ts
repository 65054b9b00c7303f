import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { MAX_OUTPUT_CHARS, type HandlerAnswer, type Job } from '../core';
import { EX } from './exitCodes';
import { passThrough } from './output';

export interface HandlerCommand {
  command: string;
  args: string[];
  /** Kill the handler after this many ms (FAILED). */
  timeoutMs?: number;
  queue: string;
}

/** After a timeout's SIGTERM, how long a handler has to exit before SIGKILL. */
const KILL_GRACE_MS = 5000;

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
 * not kill the job in hand, and a timeout or a shutdown can stop everything a handler
 * started (a shell script's children too) by signalling its group.
 */
const runningGroups = new Set<number>();

export function signalHandlers(signal: NodeJS.Signals): void {
  for (const pgid of runningGroups) signalGroup(pgid, signal);
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
 * Runs the command for one job: the job in its environment, a data job's bytes on
 * stdin (streamed, never held in memory), its output passed through to ours and the
 * tail kept for the job's record.
 */
export function runHandler(cmd: HandlerCommand, job: Job): Promise<HandlerAnswer> {
  return new Promise((resolve) => {
    const child = spawn(cmd.command, cmd.args, {
      detached: true,
      stdio: [job.kind === 'data' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PACCHETTINO_QUEUE: cmd.queue,
        PACCHETTINO_JOB_ID: job.id,
        PACCHETTINO_JOB_NAME: job.kind === 'file' ? job.originalName : '',
        PACCHETTINO_JOB_FILE: job.path,
        PACCHETTINO_JOB_ATTEMPT: String(job.attempt),
      },
    });
    const pgid = child.pid;
    if (pgid !== undefined) runningGroups.add(pgid);
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 2 * MAX_OUTPUT_CHARS) output = output.slice(output.length - MAX_OUTPUT_CHARS);
    };
    child.stdout!.on('data', (c: Buffer) => {
      keep(c);
      passThrough(c);
    });
    child.stderr!.on('data', (c: Buffer) => {
      keep(c);
      process.stderr.write(c);
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a handler that ignores stdin may close it early
      fs.createReadStream(job.path)
        .on('error', () => child.stdin!.end())
        .pipe(child.stdin);
    }
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = cmd.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          if (pgid !== undefined) signalGroup(pgid, 'SIGTERM');
          killTimer = setTimeout(() => pgid !== undefined && signalGroup(pgid, 'SIGKILL'), KILL_GRACE_MS);
        }, cmd.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ result: 'FAILED', reason: `cannot run ${cmd.command}: ${err.message}`, exitCode: null });
    });
    child.on('exit', () => {
      if (pgid !== undefined) runningGroups.delete(pgid);
      // What a timed-out handler started (a shell script's children) may live on holding
      // our pipes: once the handler itself is gone, stop waiting for its output.
      if (timedOut) {
        child.stdout!.destroy();
        child.stderr!.destroy();
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Members of a timed-out handler's group that ignored SIGTERM still get the SIGKILL.
      if (!timedOut) clearTimeout(killTimer);
      else killTimer?.unref();
      const answer = resultOfExit(code, signal, timedOut);
      if (typeof answer === 'string') resolve(answer);
      else resolve({ ...answer, reason: timedOut ? `timed out after ${cmd.timeoutMs} ms` : answer.reason, output });
    });
  });
}
