import * as fs from 'node:fs';
import type { ProcessIdentity } from './hostIdentity';

/**
 * Leases: how an owner on one host shows another host that it lives, with no clock shared.
 *
 * The owner file `owners/<token>` holds who the owner is (ProcessIdentity) and a beat count
 * that the owner rewrites in place every lease/3 (in place, not by rename: the flock the
 * owner holds is on the file's inode). An observer never compares the file's times with its
 * own clock: it remembers what the file said and when, on its own monotonic clock, and
 * takes the owner for dead only once the content has stayed the same for longer than the
 * lease plus a margin for the file system's caches. So the first sweep that sees an owner
 * only notes it, a clock step on either host changes nothing, and a host that cannot reach
 * the file system for longer than that is given up on, as it must be.
 */
export interface OwnerFile extends ProcessIdentity {
  v: 1;
  leaseMs: number;
  beat: number;
}

/** The owner file is always this long, so an in-place rewrite never leaves an old tail behind. */
const OWNER_FILE_BYTES = 512;

export function encodeOwnerFile(o: OwnerFile): Buffer {
  const json = JSON.stringify(o);
  const buf = Buffer.alloc(OWNER_FILE_BYTES, ' ');
  buf.write(json.slice(0, OWNER_FILE_BYTES - 1));
  buf[OWNER_FILE_BYTES - 1] = 0x0a;
  return buf;
}

/** The owner file's identity, or undefined for anything else (the original's lock files, a torn read). */
export function decodeOwnerFile(text: string): OwnerFile | undefined {
  try {
    const o = JSON.parse(text) as Partial<OwnerFile>;
    if (o && o.v === 1 && typeof o.bootId === 'string' && typeof o.pidNs === 'string' && Number.isSafeInteger(o.pid) && typeof o.leaseMs === 'number') {
      return o as OwnerFile;
    }
  } catch {
    /* not ours, or caught mid-rewrite */
  }
  return undefined;
}

/** Milliseconds on this process's monotonic clock: never stepped, never shared. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** How long past the lease an observer still waits: attribute caches, a slow server, a GC pause. */
export function leaseMargin(leaseMs: number): number {
  return Math.max(1000, leaseMs / 2);
}

export const DEFAULT_LEASE_MS = 30_000;

/**
 * The owner's side: rewrites the owner file every lease/3, off the event loop (a stalled
 * network mount must not freeze the consumer). `fenced` turns true when no renewal has
 * succeeded for half a lease (another host may soon take us for dead: claim nothing more),
 * and `lost` when the file is gone (another host did: it removed it after taking our jobs).
 */
export class Heartbeat {
  private lastOk = monotonicMs();
  /** When the last renewal, by the timer or by touch(), was started. */
  private lastTry = this.lastOk;
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private beat = 0;
  private readonly periodMs: number;
  lost = false;

  constructor(
    private readonly file: string,
    private readonly content: OwnerFile,
  ) {
    this.beat = content.beat;
    this.periodMs = Math.max(50, Math.floor(content.leaseMs / 3));
    this.timer = setInterval(() => this.renew(), this.periodMs);
    this.timer.unref();
  }

  get fenced(): boolean {
    return this.lost || monotonicMs() - this.lastOk > this.content.leaseMs / 2;
  }

  /** How long since the last renewal that reached the file system, in ms. */
  get sinceRenewal(): number {
    return monotonicMs() - this.lastOk;
  }

  /**
   * A sign of life from a job in hand (its handler reported progress): renews now, when a
   * renewal is due. A handler that keeps the event loop busy starves the timer, so a long
   * job would be taken for dead on other hosts even while it reports progress; this write
   * is synchronous for that reason. At most one per lease/3, so a handler reporting often
   * pays a clock read per report. Never throws: a failed renewal only leaves the lease
   * older, and the next one (or the fence) deals with it.
   */
  touch(): void {
    const started = monotonicMs();
    if (this.lost || this.timer === undefined || started - this.lastTry < this.periodMs) return;
    this.lastTry = started;
    const buf = encodeOwnerFile({ ...this.content, beat: ++this.beat });
    try {
      const fd = fs.openSync(this.file, 'r+');
      try {
        fs.writeSync(fd, buf, 0, buf.length, 0);
      } finally {
        fs.closeSync(fd);
      }
      this.settle(started, null);
    } catch (err) {
      this.settle(started, err as NodeJS.ErrnoException);
    }
  }

  private renew(): void {
    if (this.inFlight || this.lost) return;
    this.inFlight = true;
    const started = monotonicMs();
    this.lastTry = started;
    const buf = encodeOwnerFile({ ...this.content, beat: ++this.beat });
    // Opened by path each time: a file that another host removed must fail here (ENOENT),
    // not be written through a handle that outlived its name.
    fs.open(this.file, 'r+', (err, fd) => {
      if (err) return this.done(started, err);
      fs.write(fd, buf, 0, buf.length, 0, (werr) => fs.close(fd, () => this.done(started, werr)));
    });
  }

  private done(started: number, err: NodeJS.ErrnoException | null): void {
    this.inFlight = false;
    this.settle(started, err);
  }

  private settle(started: number, err: NodeJS.ErrnoException | null): void {
    // A timer renewal started before a touch() may end after it: the later start counts.
    if (!err) this.lastOk = Math.max(this.lastOk, started);
    else if (err.code === 'ENOENT') this.lost = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The observer's side: what each owner file said, and since when (monotonic). */
export class LeaseObserver {
  private readonly seen = new Map<string, { content: string; since: number }>();

  /**
   * True while `token`'s owner may live: its content (undefined: no file) changed within
   * lease + margin of our watching it. The first look only starts the watch.
   */
  mayLive(token: string, content: string | undefined, leaseMs: number): boolean {
    const now = monotonicMs();
    const key = content ?? '\0none';
    const prev = this.seen.get(token);
    if (!prev || prev.content !== key) {
      this.seen.set(token, { content: key, since: now });
      return true;
    }
    return now - prev.since <= leaseMs + leaseMargin(leaseMs);
  }

  /** How long `token`'s content has been seen unchanged, in ms (undefined: never seen). */
  unchangedFor(token: string): number | undefined {
    const prev = this.seen.get(token);
    return prev ? monotonicMs() - prev.since : undefined;
  }

  forget(token: string): void {
    this.seen.delete(token);
  }
}
