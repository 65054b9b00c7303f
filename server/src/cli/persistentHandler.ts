import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { JobNotStarted, parseProgressLine, type HandlerAnswer, type Job, type Result } from '../core';
import { OUTPUT_DRAIN_MS, HandlerOutput } from './handlerOutput';
import { SPAWN_DESCRIPTORS, notStartedOr, spawnHandler, type HandlerCommand } from './handlerProcess';
import { MAX_LINE_BYTES, PROTOCOL_FD, jobLine, parseHandlerLine } from './lineProtocol';
import { excerpt } from './output';
import { endGroup, groupStarted } from './processGroups';
import type { JobInHand } from './runnerPool';
import type { StartWatch } from './startGuard';

/** On shutdown, how long a handler has to exit by itself once its fd 3 is closed, before its group is sent SIGTERM. */
const STOP_GRACE_MS = 2000;

/**
 * One slot of `consume --persistent`: a handler program started once and handed one job at
 * a time over the line protocol (lineProtocol.ts). A handler that dies or misbehaves — exits,
 * closes fd 3, writes a line the protocol does not know, outlives --timeout — is stopped
 * (its whole group, as in the process-per-job mode), the job in hand is FAILED with why,
 * and a new handler is started for the next job. A job is written to one handler once and
 * never handed to another: it is filed as answered or as FAILED, never lost or run twice.
 * Each handler that ends before answering any job is a failed start for the crash-loop
 * guard (startGuard.ts); each answer tells it the handler works.
 */
export class PersistentHandler {
  private proc?: HandlerProc;

  constructor(
    private readonly cmd: HandlerCommand,
    private readonly watch: StartWatch,
  ) {}

  async run(job: Job): Promise<HandlerAnswer> {
    if (!this.proc || this.proc.over) {
      try {
        this.proc = await startHandler(this.cmd, this.watch);
      } catch (err) {
        // Out of descriptors or processes (JobNotStarted): the consumer's own StartBackoff waits that out.
        if (!(err instanceof JobNotStarted)) this.watch.failedStart((err as Error).message);
        throw err;
      }
    }
    return this.proc.run(job);
  }

  /** Closes the handler's fd 3 (its loop reads end of file and it exits) and waits for it to exit; SIGTERM after STOP_GRACE_MS. */
  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}

async function startHandler(cmd: HandlerCommand, watch: StartWatch): Promise<HandlerProc> {
  // stdout, stderr and fd 3 are socket pairs: one more than a handler per job holds.
  const child = spawnHandler(cmd, ['ignore', 'pipe', 'pipe', 'pipe'], SPAWN_DESCRIPTORS + 2, { PACCHETTINO_PROTOCOL_FD: String(PROTOCOL_FD) });
  // Spawning failed (pipes or fork refused): `error` follows, and there are no streams to read.
  if (child.pid === undefined) return new Promise((_, reject) => child.once('error', (err) => reject(notStartedOr(err, cmd))));
  return new HandlerProc(child, cmd, watch);
}

/** One started handler process, from its spawn to its end. */
class HandlerProc {
  /** Takes no more jobs: it has died, misbehaved or is being stopped. */
  over = false;
  private inHand?: JobInHand;
  private readonly pgid: number;
  private readonly channel: Socket;
  private readonly output: HandlerOutput;
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private channelClosed = false;
  private stopping = false;
  private ended = false;
  private settleTimer?: NodeJS.Timeout;
  private readonly exited: Promise<void>;
  /** Jobs it answered itself (a result line): none when it ends is a failed start. */
  private answers = 0;
  /** Why it was stopped or died, for the crash-loop guard. */
  private endReason?: string;
  /** Stopped for outliving --timeout: a failed start only while no handler has answered (startGuard.ts). */
  private timedOut = false;

  constructor(
    private readonly child: ChildProcess,
    private readonly cmd: HandlerCommand,
    private readonly watch: StartWatch,
  ) {
    this.pgid = child.pid!;
    groupStarted(this.pgid);
    this.output = new HandlerOutput(child.stdout!, child.stderr!);
    this.channel = child.stdio[PROTOCOL_FD] as Socket;
    this.channel.on('data', (chunk: Buffer) => this.onData(chunk));
    this.channel.on('end', () => this.onChannelClosed());
    // Writing a job to a handler that closed fd 3 (EPIPE): the same as its closing it.
    this.channel.on('error', () => this.onChannelClosed());
    child.on('error', () => undefined); // after a successful spawn only a failed kill() errs, and kill is not used
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        this.output.processExited();
        this.dying();
        resolve();
      });
    });
  }

  run(job: Job): Promise<HandlerAnswer> {
    return new Promise((resolve) => {
      const timer = this.cmd.timeoutMs
        ? setTimeout(() => {
            this.timedOut = true;
            this.fail(`timed out after ${this.cmd.timeoutMs} ms`);
          }, this.cmd.timeoutMs)
        : undefined;
      this.inHand = { job, resolve, timer };
      this.output.take(); // what it printed between jobs is nobody's output
      this.channel.write(jobLine(job));
    });
  }

  async stop(): Promise<void> {
    this.over = true;
    this.stopping = true;
    if (!this.exit) {
      this.channel.end();
      const grace = setTimeout(() => this.end(), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(grace);
    }
    this.end();
  }

  private onData(chunk: Buffer): void {
    const lines = (this.pending + this.decoder.write(chunk)).split('\n');
    this.pending = lines.pop()!;
    for (const line of lines) {
      if (this.ended) return;
      this.onLine(line);
    }
    if (this.pending.length > MAX_LINE_BYTES) this.fail(`the handler wrote over ${MAX_LINE_BYTES} bytes on fd ${PROTOCOL_FD} without a newline`);
  }

  private onLine(line: string): void {
    const inHand = this.inHand;
    if (!inHand) return this.fail(`the handler wrote "${excerpt(line)}" on fd ${PROTOCOL_FD} while no job was in hand`);
    const parsed = parseHandlerLine(line);
    if (parsed.kind === 'progress') {
      const p = parseProgressLine(parsed.text);
      // Progress is a note: the core warns of one it cannot write (a full disk) and goes on.
      if (p) inHand.job.progress(p.percent, p.message);
      return;
    }
    if (parsed.kind === 'unknown') {
      return this.fail(`the handler wrote "${excerpt(line)}" on fd ${PROTOCOL_FD}, which is not a result (SUCCESS, FAILED or RETRY [reason]) nor PROGRESS`);
    }
    this.answers++;
    this.watch.answered();
    this.answer(parsed.result, parsed.reason);
  }

  private answer(result: Result, reason?: string, exitCode?: number | null): void {
    const inHand = this.inHand;
    if (!inHand) return;
    this.inHand = undefined;
    clearTimeout(inHand.timer);
    const output = this.output.take();
    if (result === 'SUCCESS' && reason === undefined) return inHand.resolve('SUCCESS');
    inHand.resolve({ result, reason: reason ?? `the handler answered ${result}`, output, ...(exitCode !== undefined ? { exitCode } : {}) });
  }

  /**
   * The handler misbehaved, or died: the job in hand FAILED with why, and the handler is
   * stopped. With no job in hand (a stray line after its answer) no job's reason says it: stderr does.
   */
  private fail(reason: string): void {
    // Every reason here is ours, a quoted line made printable (excerpt).
    if (!this.inHand && !this.ended) process.stderr.write(`pacchettino: ${reason} (pid ${this.pgid}); it was stopped, the next job starts a new one\n`);
    this.over = true;
    this.endReason ??= reason;
    this.answer('FAILED', reason, this.exit ? this.exit.code : undefined);
    this.end();
  }

  private onChannelClosed(): void {
    this.channelClosed = true;
    this.dying();
  }

  /**
   * It exited, or closed fd 3. Its last lines may still be on their way (an exit can be seen
   * before the result written just before it is read): decide once both ends are seen, or
   * OUTPUT_DRAIN_MS after the first.
   */
  private dying(): void {
    this.over = true;
    if (this.exit && this.channelClosed) return this.settle();
    this.settleTimer ??= setTimeout(() => this.settle(), OUTPUT_DRAIN_MS);
  }

  private settle(): void {
    clearTimeout(this.settleTimer);
    if (this.ended) return;
    const how = !this.exit ? `closed fd ${PROTOCOL_FD}` : this.exit.signal ? `was killed by ${this.exit.signal}` : `exited with code ${this.exit.code}`;
    this.endReason ??= `the handler ${how}`;
    if (this.inHand) this.fail(`the handler ${how} before answering`);
    else if (!this.stopping) process.stderr.write(`pacchettino: the handler (pid ${this.pgid}) ${how} between jobs; the next job starts a new one\n`);
    this.end();
  }

  /**
   * Stops the handler and whatever it left in its group (SIGTERM now, SIGKILL after a grace),
   * once. Ended before answering any job, and not by our own stop(): a failed start. Told
   * here, in the same tick as its job's answer, so the guard knows before the next claim.
   */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.over = true;
    this.channel.destroy();
    endGroup(this.pgid);
    if (this.answers === 0 && !this.stopping) this.watch.failedStart(this.endReason ?? 'the handler ended', this.timedOut);
  }
}
