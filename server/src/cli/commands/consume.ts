import * as v8 from 'node:v8';
import { BOUNDS, Pacchettino, type Job, type JobEvent } from '../../core';
import { parseCount, parseDuration, queueOptions, type QueueFlags } from '../options';
import { runHandler } from '../handlerProcess';
import { signalHandlers } from '../processGroups';
import { PersistentHandler } from '../persistentHandler';
import { RunnerPool, type JobRunner } from '../runnerPool';
import { ModuleHandler } from '../moduleHandler';
import { checkHandlerCommand } from '../handlerCommand';
import { jobLabel, jobLine, writeLine } from '../output';
import { EX, UsageError } from '../exitCodes';
import { isOutOfResources, isUnreachable } from '../../core/errors';
import { StartBackoff } from '../startBackoff';
import { StartGuard, type StartWatch } from '../startGuard';
import { runLanes, type LaneStep } from '../../core/lanes';

export interface ConsumeFlags extends QueueFlags {
  once?: boolean;
  concurrency: string;
  timeout?: string;
  random?: boolean;
  maxAttempts: string;
  retryDelay: string;
  /** Start the handler program once per --concurrency slot and hand it jobs over the line protocol. */
  persistent?: boolean;
  /** Run this Node module's exported function per job, in worker threads. */
  module?: string;
}

/** The module's threads, loaded before any job is claimed: a module that cannot be used is a usage error that claims nothing. */
async function loadModuleHandlers(file: string, concurrency: number, timeoutMs: number | undefined, watch: StartWatch): Promise<RunnerPool> {
  const handlers = Array.from({ length: concurrency }, () => new ModuleHandler(file, timeoutMs, watch));
  try {
    await Promise.all(handlers.map((h) => h.load()));
  } catch (err) {
    await Promise.all(handlers.map((h) => h.stop()));
    throw new UsageError(`--module: ${(err as Error).message}; no job was claimed`);
  }
  return new RunnerPool(handlers);
}

/**
 * A process per job: each spawn forks this whole process, and a fork costs in proportion to
 * the memory it copies the page tables of (and the child then unmaps at exec). V8 grows its
 * young generation (two semi-spaces, up to 16 MiB each) as a busy consumer allocates, which
 * more than triples our anonymous memory (13 MB to 47 MB) and so the fork. Kept at its first
 * size, scavenges are more frequent but small, and each job's fork is cheaper (bench: cli).
 * V8 reads this flag each time it would grow the space, so setting it now takes effect.
 */
function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/** How long one idle wait lasts before the loop looks again; waits end early on a new job or a signal. */
const IDLE_WAIT_MS = 60_000;

/** --once gives up (exit 75, the jobs still queued) after this many failed starts in a row; without it a consumer never does. */
const ONCE_START_FAILURES = 10;

/**
 * Runs `command` once per job. Without --once it waits for jobs (woken by the watch)
 * until SIGINT/SIGTERM, finishing the jobs in hand first; a second signal stops the
 * handlers and exits at once. SIGHUP (a closed terminal, a stopped VS Code task) stops
 * the handlers and exits at once too: the jobs in hand stay in processing/ under a dead
 * pid, and the next recovery sweep files them under interrupted/.
 *
 * A job whose handler could not be started (out of descriptors or processes) did not
 * run: it goes back to queued/ with no attempt counted, and the consumer backs off
 * (StartBackoff) before it claims again, as it does when the queue itself cannot be read
 * for the same reason or because its file system does not answer (a network mount cut off).
 * A long-lived handler (--persistent, --module) that ends before answering any job is a
 * failed start (StartGuard): the next claim waits, and after CRASH_LOOP_STARTS in a row
 * consume stops claiming and exits 70.
 */
export async function consume(queuePath: string, flags: ConsumeFlags, command: string[]): Promise<number> {
  if (flags.module !== undefined && command.length > 0) {
    throw new UsageError(`--module runs ${flags.module} itself: give no command after -- (got ${command.join(' ')})`);
  }
  if (flags.module !== undefined && flags.persistent) throw new UsageError('--module and --persistent are two modes: choose one');
  if (flags.module === undefined && command.length === 0) {
    throw new UsageError('consume needs a handler command after --, e.g. pacchettino consume ./q -- ./handle.sh (or --module handler.js)');
  }
  const concurrency = parseCount(flags.concurrency, '--concurrency', BOUNDS.concurrency);
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, '--timeout', BOUNDS.handlerTimeoutMs) : undefined;
  const options = queueOptions(flags, {
    maxAttempts: parseCount(flags.maxAttempts, '--max-attempts', BOUNDS.maxAttempts),
    retryDelay: parseDuration(flags.retryDelay, '--retry-delay', BOUNDS.retryDelayMs),
  });
  const file = flags.module !== undefined ? undefined : checkHandlerCommand(command[0]);
  // Every flag is checked and the queue opened before a module's threads start: a bad flag or
  // queue leaves no thread behind to keep the process alive.
  const queue = new Pacchettino(queuePath, options);
  const guard = new StartGuard();
  let modules: RunnerPool | undefined;
  try {
    modules = flags.module !== undefined ? await loadModuleHandlers(flags.module, concurrency, timeoutMs, guard) : undefined;
  } catch (err) {
    await queue.close();
    throw err;
  }
  if (!modules && !flags.persistent) keepYoungGenerationSmall();
  const handlerCommand = { command: command[0], file, args: command.slice(1), timeoutMs, queue: queue.layout.base };
  const runners: JobRunner | undefined =
    modules ?? (flags.persistent ? new RunnerPool(Array.from({ length: concurrency }, () => new PersistentHandler(handlerCommand, guard))) : undefined);
  const exitCodes = new Map<string, number | null | undefined>();
  const tally = { SUCCESS: 0, FAILED: 0, RETRY: 0, LOST: 0 };
  queue.onJob = async (job: Job) => {
    writeLine(`START ${job.id} ${jobLabel(job)}`);
    const answer = await (runners ? runners.run(job) : runHandler(handlerCommand, job));
    if (typeof answer !== 'string') exitCodes.set(job.id, answer.exitCode);
    return answer;
  };
  const backoff = new StartBackoff();
  // A crash loop: no more claims (waits end, an idle receive returns); the jobs in hand are finished.
  guard.onTripped = () => {
    queue.stop();
    backoff.stop();
  };
  queue.on('job', (e: JobEvent) => {
    if (e.notStarted) {
      writeLine(jobLine(e));
      process.stderr.write(`pacchettino: could not start a handler; next claim in ${backoff.failed()} ms\n`);
      return;
    }
    backoff.started();
    // A retry that ran out of attempts is in failed/: count it where it went.
    // A job taken over by another consumer counts as neither: the handler's answer was not filed.
    tally[e.filed === 'LOST' ? 'LOST' : e.result === 'RETRY' && e.filed === 'FAILED' ? 'FAILED' : e.result]++;
    writeLine(jobLine({ ...e, exitCode: exitCodes.get(e.id) }));
    exitCodes.delete(e.id);
  });
  queue.on('warning', (err: Error) => process.stderr.write(`pacchettino: warning: ${err.message}\n`));

  let signals = 0;
  const abort = (code: number) => {
    signalHandlers('SIGKILL');
    process.exit(code);
  };
  const onHangup = () => abort(129);
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) abort(130);
    process.stderr.write(`pacchettino: ${sig}: finishing the job(s) in hand, then exiting (again to exit now)\n`);
    queue.stop();
    backoff.stop();
    guard.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);

  // With --once each job runs at most once, so a RETRY goes back to queued/ for a later run
  // (a job that could not start has not run: it is tried again after the backoff).
  const seen = new Set<string>();
  const skip = flags.once ? (name: string) => seen.has(name) : undefined;
  if (flags.once) queue.on('job', (e: JobEvent) => e.notStarted || seen.add(e.name));
  let gaveUp = false;
  // The library's lanes (run()'s own loop), with the CLI's backoff and --once in each step.
  const step = async (): Promise<LaneStep> => {
    if (queue.isStopped) return 'stop';
    await backoff.wait();
    await guard.wait();
    if (guard.tripped) return 'stop';
    if (flags.once && backoff.failures >= ONCE_START_FAILURES) {
      gaveUp = true;
      return 'stop';
    }
    try {
      if (await queue.receiveOne({ timeout: flags.once ? 0 : IDLE_WAIT_MS, randomize: !!flags.random, skip })) return 'handled';
    } catch (err) {
      // Worth waiting out: no descriptors or processes now, or a network mount cut off.
      if (!isOutOfResources(err) && !isUnreachable(err)) throw err;
      process.stderr.write(`pacchettino: ${(err as Error).message}; next try in ${backoff.failed()} ms\n`);
      return 'idle';
    }
    return flags.once ? 'stop' : 'idle';
  };
  try {
    await runLanes(concurrency, false, step);
  } finally {
    await runners?.stop();
    await queue.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHangup);
  }
  process.stderr.write(
    `pacchettino: ${tally.SUCCESS} succeeded, ${tally.FAILED} failed, ${tally.RETRY} to retry${tally.LOST ? `, ${tally.LOST} lost (taken over by another consumer)` : ''}\n`,
  );
  if (guard.tripped) {
    process.stderr.write(`pacchettino: ${guard.message}\n`);
    return EX.SOFTWARE;
  }
  if (gaveUp) {
    process.stderr.write(
      `pacchettino: no handler could be started, or the queue not read, ${ONCE_START_FAILURES} times in a row; the jobs not run are still queued\n`,
    );
    return EX.TEMPFAIL;
  }
  // A script running `consume --once` learns whether everything due went through; jobs
  // another consumer took over (it took this one for dead) say so apart.
  if (tally.LOST > 0) return EX.LOST;
  return flags.once && tally.FAILED > 0 ? EX.JOBS_FAILED : EX.OK;
}
