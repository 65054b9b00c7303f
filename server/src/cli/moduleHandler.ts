import { PassThrough } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { HandlerAnswer, Job } from '../core';
import { HandlerOutput } from './handlerOutput';
import type { JobMessage, ModuleWorkerData, WorkerMessage } from './moduleWorker';
import { excerpt, printable, thrownText } from './output';
import type { JobInHand, JobRunner } from './runnerPool';
import type { StartWatch } from './startGuard';

/**
 * One slot of `consume --module <file>`: a worker thread that loaded the module and runs its
 * function for one job at a time. A thread that throws outside the job, calls process.exit
 * or outlives --timeout is ended, its job FAILED with why, and a new thread (the module
 * loaded afresh) takes the next job. A job is posted to one thread once: never lost nor run twice.
 * A thread that ends before answering any job, or a module that no longer loads, is a failed
 * start for the crash-loop guard (startGuard.ts); each answer (a throw included) tells it the
 * module works.
 */
export class ModuleHandler implements JobRunner {
  private thread?: ModuleThread;

  constructor(
    private readonly file: string,
    private readonly timeoutMs: number | undefined,
    private readonly watch: StartWatch,
  ) {}

  /** Starts this slot's thread and resolves once the module is loaded; rejects with why it cannot be used (before any job is claimed). */
  async load(): Promise<void> {
    this.thread = await ModuleThread.start(this.file, this.watch);
  }

  async run(job: Job): Promise<HandlerAnswer> {
    if (!this.thread || this.thread.over) {
      try {
        this.thread = await ModuleThread.start(this.file, this.watch);
      } catch (err) {
        this.watch.failedStart((err as Error).message);
        return { result: 'FAILED', reason: (err as Error).message };
      }
    }
    return this.thread.run(job, this.timeoutMs);
  }

  async stop(): Promise<void> {
    await this.thread?.end();
  }
}

class ModuleThread {
  over = false;
  private inHand?: JobInHand;
  private died?: string;
  /** Loaded (it posted `ready`): from then on, its end before any answer is a failed start. */
  private ready = false;
  /** Jobs its function answered (returned or threw): none when it ends is a failed start. */
  private answers = 0;
  private readonly output: HandlerOutput;
  /** The thread's stdout and stderr, as it posts them (moduleWorker.ts: in order with its answers). */
  private readonly streams = { stdout: new PassThrough(), stderr: new PassThrough() };
  private readonly gone: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly watch: StartWatch,
  ) {
    this.output = new HandlerOutput(this.streams.stdout, this.streams.stderr);
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    // An exception the job's promise did not catch (a throw in a timer, say): the thread ends with it.
    worker.on('error', (err: unknown) => (this.died ??= `the handler's thread died: ${thrownText(err)}`));
    this.gone = new Promise((resolve) =>
      worker.on('exit', (code) => {
        this.fail(this.died ?? `the handler's thread exited with code ${code}`);
        this.streams.stdout.end();
        this.streams.stderr.end();
        resolve();
      }),
    );
  }

  static start(file: string, watch: StartWatch): Promise<ModuleThread> {
    // The CLI's own entry: main.ts runs moduleWorker.ts in a thread given this workerData.
    const data: ModuleWorkerData = { pacchettinoModule: file };
    const worker = new Worker(require.main!.filename, { workerData: data });
    const thread = new ModuleThread(worker, watch);
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'ready') {
          thread.ready = true;
          cleanup();
          resolve(thread);
        } else if (m.type === 'unusable') {
          cleanup();
          void thread.end();
          reject(new Error(m.message));
        }
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(thread.died ?? `the thread loading ${file} exited with code ${code}`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
    });
  }

  run(job: Job, timeoutMs?: number): Promise<HandlerAnswer> {
    return new Promise((resolve) => {
      const timer = timeoutMs
        ? setTimeout(() => {
            this.fail(`timed out after ${timeoutMs} ms`, true);
            void this.end();
          }, timeoutMs)
        : undefined;
      this.inHand = { job, resolve, timer };
      this.output.take();
      const base = { id: job.id, name: job.name, attempt: job.attempt, path: job.path, progressFile: job.progressFile };
      const message: JobMessage = {
        type: 'job',
        job: job.kind === 'file' ? { ...base, kind: 'file', originalName: job.originalName } : { ...base, kind: 'data' },
      };
      this.worker.postMessage(message);
    });
  }

  async end(): Promise<void> {
    this.over = true;
    await this.worker.terminate();
    await this.gone;
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'output') {
      this.streams[m.stream].write(m.chunk);
      return;
    }
    if (m.type === 'ready' || m.type === 'unusable') return;
    const inHand = this.inHand;
    if (!inHand) return;
    if (m.id !== inHand.job.id) {
      // Only a function still running after its job was settled could say this: never filed for another job.
      process.stderr.write(
        `pacchettino: warning: the handler's thread spoke of job ${printable(m.id)} (${m.type}) while job ${inHand.job.id} was in hand; not taken for it\n`,
      );
      return;
    }
    // Progress is a note: the core warns of one it cannot write and goes on; a bad percent was thrown in the thread.
    if (m.type === 'progress') return inHand.job.progress(m.percent, m.message);
    this.answered();
    // What it printed before answering is written to our streams already; their 'data' may be a tick away.
    setImmediate(() => {
      if (this.inHand?.job.id !== m.id) return; // timed out meanwhile
      const output = this.output.take();
      // A plain SUCCESS writes no record (as a persistent handler's): its output has been passed through.
      if (m.type === 'answer') this.settle(m.result === 'SUCCESS' && m.reason === undefined ? 'SUCCESS' : { result: m.result, reason: m.reason, output });
      else if (m.type === 'threw') this.settle({ result: 'FAILED', reason: m.message, output: output + (m.stack ?? '') });
      else this.settle({ result: 'FAILED', reason: `the handler returned ${excerpt(m.value)}, not SUCCESS, FAILED or RETRY (or { result, reason })`, output });
    });
  }

  private settle(answer: HandlerAnswer): void {
    const inHand = this.inHand;
    if (!inHand) return;
    this.inHand = undefined;
    clearTimeout(inHand.timer);
    inHand.resolve(answer);
  }

  private answered(): void {
    this.answers++;
    this.watch.answered();
  }

  /**
   * It died or misbehaved (its end, by itself or by us, is on its way). Loaded and ended before
   * answering any job, and not by our end() (which marks it over first): a failed start, told
   * in the same tick as its job's answer, so the guard knows before the next claim.
   */
  private fail(reason: string, timedOut = false): void {
    if (!this.over && this.ready && this.answers === 0) this.watch.failedStart(reason, timedOut);
    this.over = true;
    this.settle({ result: 'FAILED', reason, output: this.output.take() });
  }
}
