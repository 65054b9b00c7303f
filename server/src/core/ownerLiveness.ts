import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { errnoOf } from './errors';
import { BootTime } from './bootTime';
import { CLOCK_TICKS_PER_S, pidExists, processAlive, readProcStat, sharesProcessTable } from './hostIdentity';
import { LeaseObserver, decodeOwnerFile, type OwnerFile } from './ownerLease';
import { NOT_REGULAR, readQueueFile } from './queueFile';

export interface LivenessOptions {
  ownersDir: string;
  /** Where BootTime keeps the earliest boot time seen (`.pacchettino/boot`). */
  bootDir: string;
  /** Whether other machines may use this queue (sharedFs.ts): then no process table but ours-by-identity is trusted. */
  shared: boolean;
  /** The lease assumed for owners whose file does not say (no file at all). */
  leaseMs: number;
  /** How much later than the dir a process may seem to start and still be its owner (clock and /proc rounding). */
  pidReuseSlackMs?: number;
}

/**
 * The one place that decides whether the owner of a processing entry (a claim) is alive.
 *
 * - Digits: a pid, as the original writes it. On a local queue: alive if kill(pid, 0) succeeds
 *   (or EPERM), and, unlike the original, only if that process started before the claim was
 *   made, so a recycled pid marks a dead owner (see BootTime for the clock this needs).
 *   On a shared queue the pid may be another machine's: such dirs are left alone.
 * - A token whose owner file says who holds it (ours): an owner in our process table is
 *   judged by it (pid and start tick: no clock, no file times); another one by its flock on a
 *   local queue (containers on one kernel), and on a shared queue by its lease:
 *   dead once its heartbeat stood still for lease + margin as we watched it, unless its flock
 *   is still held).
 * - A token with the original's owner file: its flock, on a local queue; left alone on a
 *   shared one, where a free flock may only mean the lock is not shared.
 * - Anything else is no claim the protocol knows; recovery leaves such dirs alone, as the original does.
 */
export class OwnerLiveness {
  private readonly verdicts = new Map<string, boolean>();
  private readonly identities = new Map<string, OwnerFile>();
  private readonly leases = new LeaseObserver();
  private readonly bootTime: BootTime;
  readonly shared: boolean;

  constructor(private readonly o: LivenessOptions) {
    this.bootTime = new BootTime(o.bootDir);
    this.shared = o.shared;
  }

  /** Call once per sweep so verdicts are fresh but each token is asked once. */
  beginSweep(): void {
    this.verdicts.clear();
    this.onLease.clear();
  }

  /** Tokens of this sweep alive only by their lease (on other machines): how many a one-off sweep cannot judge yet. */
  readonly onLease = new Set<string>();

  /** `claimStat`: the lstat of the owner's processing entry (a dir, or a file-form claim). */
  isAlive(owner: string, claimStat: fs.Stats): boolean {
    const kind = ownerKind(owner);
    if (kind === 'pid') return this.shared || this.pidOwnsClaim(Number(owner), claimStat);
    if (kind === undefined) return true; // not ours to judge: never interrupt on a guess
    return this.tokenIsAlive(owner);
  }

  /** A lock token's verdict, asked once per sweep (the same for its dirs, its owner file and its consumer's registration). */
  tokenIsAlive(token: string): boolean {
    let alive = this.verdicts.get(token);
    if (alive === undefined) {
      alive = this.tokenAlive(token);
      this.verdicts.set(token, alive);
    }
    return alive;
  }

  /** Who holds `token`, as its owner file said when last read (for reasons and the tree). */
  identityOf(token: string): OwnerFile | undefined {
    return this.identities.get(token);
  }

  /** How long a token's owner file has been seen unchanged by this observer, in ms. */
  leaseAge(token: string): number | undefined {
    return this.leases.unchangedFor(token);
  }

  /** Ours: the identity cached when it was still readable. */
  forget(token: string): void {
    this.leases.forget(token);
    this.identities.delete(token);
  }

  private tokenAlive(token: string): boolean {
    const file = path.join(this.o.ownersDir, token);
    let content: string | undefined;
    try {
      content = readQueueFile(file);
    } catch (err) {
      // Not a regular file (a FIFO, a link laid there by hand): no consumer's, as if absent.
      const absent = errnoOf(err) === 'ENOENT' || errnoOf(err) === NOT_REGULAR || errnoOf(err) === 'ELOOP';
      if (!absent) return true; // cannot read it: never interrupt on a guess
    }
    const decoded = content === undefined ? undefined : decodeOwnerFile(content);
    if (decoded) this.identities.set(token, decoded);
    const identity = decoded ?? this.identities.get(token);
    if (identity && sharesProcessTable(identity)) return processAlive(identity.pid, identity.startTicks);
    if (!this.shared) return content !== undefined && lockHeld(file);
    if (content !== undefined && !identity) return true; // the original's, on a shared queue: left alone
    if (this.leases.mayLive(token, content, identity?.leaseMs ?? this.o.leaseMs)) {
      this.onLease.add(token);
      return true;
    }
    // Asked last, as it costs a process: a lock still held through our mount means someone lives.
    return content !== undefined && lockHeld(file);
  }

  private pidOwnsClaim(pid: number, claimStat: fs.Stats): boolean {
    if (!pidExists(pid)) return false;
    const proc = readProcStat(pid);
    const bootMs = this.bootTime.ms();
    if (proc === undefined || bootMs === undefined) return true; // no /proc: judge as the original does
    // A zombie has died; it lingers only until reaped, which a container's init may never do.
    if (proc.state === 'Z' || proc.state === 'X') return false;
    const startedMs = bootMs + (proc.startTicks * 1000) / CLOCK_TICKS_PER_S;
    return startedMs <= claimMadeMs(claimStat) + (this.o.pidReuseSlackMs ?? 1000);
  }
}

/**
 * What the suffix of a processing dir names, by the original's rules: digits that fit an int
 * are a pid; 10 chars of [0-9a-z] starting with a letter are a lock-file token.
 */
export const OWNER_TOKEN = /^[a-z][0-9a-z]{9}$/;

export function ownerKind(owner: string): 'pid' | 'lock' | undefined {
  if (/^\d+$/.test(owner)) return Number(owner) <= 0x7fffffff ? 'pid' : undefined;
  return OWNER_TOKEN.test(owner) ? 'lock' : undefined;
}

export { pidExists };

/**
 * When a claim was made, as near as the file system says. A dir: its birth time where
 * known, else its status change time. A file-form claim (processingEntry.ts): its status
 * change time only, which the claim's rename set (Linux file systems update ctime on a
 * rename); its birth time is the send's, long before, and would make a live owner that
 * started after the send look younger than its claim, so dead. Never the mtime: a handler
 * that unpacks a tarball into its processing dir sets that (tar restores `./`'s time), and an
 * old mtime made a live owner look younger than its dir. The ctime only ever moves later,
 * which errs towards alive.
 */
export function claimMadeMs(st: fs.Stats): number {
  if (!st.isDirectory()) return st.ctimeMs;
  return st.birthtimeMs > 0 ? Math.min(st.birthtimeMs, st.ctimeMs) : st.ctimeMs;
}

/**
 * True when another process holds the lock. Asked through util-linux flock(1), the same
 * flock(2) the original takes, so no native addon has to match VS Code's runtime.
 *
 * The file is opened here, not by flock(1): without blocking (a FIFO put there by hand would
 * hang an open for reading forever) and without following a link, and it must be a regular
 * file. flock(1) then locks the descriptor it inherits (`flock 3`); the lock goes when we close it.
 * Anything else at owners/<token> is no lock anyone holds: the owner is dead, as with no file.
 */
export function lockHeld(lockFile: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockFile, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW | fs.constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return !(code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR');
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return false;
    const r = spawnSync('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', '75', '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
    if (r.error) return true; // cannot ask: never interrupt a job on a guess
    return r.status === 75;
  } finally {
    fs.closeSync(fd);
  }
}
