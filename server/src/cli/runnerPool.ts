import type { HandlerAnswer, Job } from '../core';

/** A long-lived runner's job in hand: answered once, by its answer, its death or its timeout. */
export interface JobInHand {
  job: Job;
  resolve: (answer: HandlerAnswer) => void;
  timer?: NodeJS.Timeout;
}

/** What runs jobs for `consume` in the long-lived modes: a persistent handler process, or a module's worker thread. */
export interface JobRunner {
  run(job: Job): Promise<HandlerAnswer>;
  /** Ends the runner once its job in hand (if any) is answered; resolves when it is gone. */
  stop(): Promise<void>;
}

/**
 * `--concurrency N` runners, each with one job at a time: a job takes an idle one. The
 * consumer never has more than N jobs in hand (N receive loops), so one is always idle.
 */
export class RunnerPool implements JobRunner {
  private readonly idle: JobRunner[];

  constructor(private readonly runners: JobRunner[]) {
    this.idle = [...runners];
  }

  async run(job: Job): Promise<HandlerAnswer> {
    const runner = this.idle.pop();
    if (!runner) throw new Error(`more jobs in hand than the ${this.runners.length} handler(s) of --concurrency`);
    try {
      return await runner.run(job);
    } finally {
      this.idle.push(runner);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }
}
