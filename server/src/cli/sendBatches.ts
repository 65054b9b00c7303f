/**
 * `send --stdin`, `--files-from` and several files hand their items to the library in
 * batches (sendMany, sendFiles): a batch is cut at BATCH items, or BATCH_MS after its first
 * item came, so a producer that writes a line now and then sees its id at once, and a fast
 * one pays a durable queue's fsync of queued/ once per thousand jobs. Batches are sent one
 * after another, so ids come out in input order; each batch's are printed once it resolved
 * (durable: once its jobs are on disk).
 */
export const BATCH = 1000;
export const BATCH_MS = 20;
/** Batches cut and waiting behind the one being sent before the reader stops reading. */
const MAX_WAITING = 2;

export class SendBatches<T, R> {
  private pending: T[] = [];
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;
  private failed?: { err: unknown };

  constructor(
    private readonly send: (items: T[]) => Promise<R[]>,
    /** Told each batch's results, in order, once it is sent. */
    private readonly sent: (results: R[]) => void,
  ) {}

  add(item: T): void {
    this.check();
    this.pending.push(item);
    if (this.pending.length >= BATCH) this.cut();
    else this.timer ??= setTimeout(() => this.cut(), BATCH_MS);
  }

  /** For the reader between chunks: waits while batches pile up (a durable queue slower than the input). */
  async keepUp(): Promise<void> {
    if (this.waiting > MAX_WAITING) await this.chain;
    this.check();
  }

  /** Sends what is left; throws the first batch's failure (no batch is sent after it). */
  async finish(): Promise<void> {
    this.cut();
    await this.chain;
    this.check();
  }

  private cut(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length || this.failed) return;
    const batch = this.pending;
    this.pending = [];
    this.waiting++;
    this.chain = this.chain
      .then(async () => {
        if (!this.failed) this.sent(await this.send(batch));
      })
      .catch((err: unknown) => {
        this.failed ??= { err };
      })
      .finally(() => this.waiting--);
  }

  private check(): void {
    if (this.failed) throw this.failed.err;
  }
}
