import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

/**
 * The one place that decides whether the owner of a processing dir is alive.
 *
 * - Digits: a pid, as the original writes it. Alive if kill(pid, 0) succeeds (or EPERM),
 *   and, unlike the original, only if that process started before the dir was made:
 *   a pid recycled by a newer process (containers, reboots) marks a dead owner.
 * - A lock-file token (see OWNER_TOKEN): alive while someone holds an flock on owners/<token>.
 * - Anything else is no claim the protocol knows; recovery leaves such dirs alone, as the original does.
 */
export class OwnerLiveness {
  private readonly lockVerdicts = new Map<string, boolean>();

  constructor(
    private readonly ownersDir: string,
    /** How much later than the dir a process may seem to start and still be its owner (clock and /proc rounding). */
    private readonly pidReuseSlackMs: number = 1000,
  ) {}

  /** Call once per sweep so lock verdicts are fresh but each token is asked once. */
  beginSweep(): void {
    this.lockVerdicts.clear();
  }

  isAlive(owner: string, dirStat: fs.Stats): boolean {
    const kind = ownerKind(owner);
    if (kind === 'pid') return this.pidOwnsDir(Number(owner), dirStat);
    if (kind === undefined) return true; // not ours to judge: never interrupt on a guess
    let alive = this.lockVerdicts.get(owner);
    if (alive === undefined) {
      alive = lockHeld(path.join(this.ownersDir, owner));
      this.lockVerdicts.set(owner, alive);
    }
    return alive;
  }

  private pidOwnsDir(pid: number, dirStat: fs.Stats): boolean {
    if (!pidExists(pid)) return false;
    const proc = readProcStat(pid);
    if (proc === undefined) return true; // no /proc: judge as the original does
    // A zombie has died; it lingers only until reaped, which a container's init may never do.
    if (proc.state === 'Z' || proc.state === 'X') return false;
    return proc.startedMs <= dirMadeMs(dirStat) + this.pidReuseSlackMs;
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

export function pidExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The earliest time the file system gives for a dir: birth time where known, else its change times. */
export function dirMadeMs(st: fs.Stats): number {
  const times = [st.mtimeMs, st.ctimeMs];
  if (st.birthtimeMs > 0) times.push(st.birthtimeMs);
  return Math.min(...times);
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ, fixed by the Linux ABI for /proc

/** A process's state letter (R, S, Z, ...) and wall-clock start, from /proc/<pid>/stat. */
export function readProcStat(pid: number): { state: string; startedMs: number } | undefined {
  let stat: string;
  let uptime: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    uptime = fs.readFileSync('/proc/uptime', 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0]; // field 3
  const startTicks = Number(fields[19]); // field 22, starttime
  const uptimeS = Number(uptime.split(' ')[0]);
  if (!state || !Number.isFinite(startTicks) || !Number.isFinite(uptimeS)) return undefined;
  const bootMs = Date.now() - uptimeS * 1000;
  return { state, startedMs: bootMs + (startTicks * 1000) / CLOCK_TICKS_PER_S };
}

/**
 * True when another process holds the lock. Asked through util-linux flock(1), the same
 * flock(2) the original takes, so no native addon has to match VS Code's runtime.
 */
export function lockHeld(lockFile: string): boolean {
  if (!fs.existsSync(lockFile)) return false;
  const r = spawnSync('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', '75', lockFile, 'true'], { stdio: 'ignore' });
  if (r.error) return true; // cannot ask: never interrupt a job on a guess
  return r.status === 75;
}
