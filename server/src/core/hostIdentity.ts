import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * Who a process is, in terms that hold across hosts and without any wall clock:
 * the kernel's boot id says which boot of which machine, the PID namespace says
 * which process table a pid belongs to (containers share a kernel, not a table),
 * and a pid with its start time in clock ticks since boot names one process for
 * good (a recycled pid starts later).
 */
export interface ProcessIdentity {
  host: string;
  bootId: string;
  /** `pid:[4026531836]`: whose process table `pid` is in. */
  pidNs: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot at which the process started. */
  startTicks: number;
}

let self: ProcessIdentity | undefined;

/** This process's identity (read once; none of it changes while we live). */
export function selfIdentity(): ProcessIdentity {
  self ??= {
    host: os.hostname(),
    bootId: readTrimmed('/proc/sys/kernel/random/boot_id') ?? 'unknown-boot',
    pidNs: readLink('/proc/self/ns/pid') ?? 'unknown-pidns',
    pid: process.pid,
    startTicks: readProcStat(process.pid)?.startTicks ?? -1,
  };
  return self;
}

/**
 * Whether `owner` lives in our process table: same boot of the same kernel and the same
 * PID namespace. Only then may a verdict come from kill(pid, 0) and /proc.
 */
export function sharesProcessTable(owner: Pick<ProcessIdentity, 'bootId' | 'pidNs'>): boolean {
  const me = selfIdentity();
  return owner.bootId === me.bootId && owner.pidNs === me.pidNs && me.bootId !== 'unknown-boot' && me.pidNs !== 'unknown-pidns';
}

/** Alive means: that pid exists, is not a zombie, and started at the same tick (else it was recycled). */
export function processAlive(pid: number, startTicks: number): boolean {
  const proc = readProcStat(pid);
  if (proc === undefined) return pidExists(pid) && startTicks < 0; // no /proc: only a pid to go by
  if (proc.state === 'Z' || proc.state === 'X') return false;
  return startTicks < 0 || proc.startTicks === startTicks;
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

/** A process's state letter (R, S, Z, ...) and start tick, from /proc/<pid>/stat; undefined where /proc has no answer. */
export function readProcStat(pid: number): { state: string; startTicks: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0]; // field 3
  const startTicks = Number(fields[19]); // field 22, starttime
  if (!state || !Number.isSafeInteger(startTicks)) return undefined;
  return { state, startTicks };
}

/** Seconds since boot, from /proc/uptime (CLOCK_BOOTTIME: no wall clock in it). */
export function uptimeMs(): number | undefined {
  const text = readTrimmed('/proc/uptime');
  const s = text ? Number(text.split(' ')[0]) : NaN;
  return Number.isFinite(s) ? s * 1000 : undefined;
}

/** When a process started, by this machine's wall clock now: for showing people, never for a verdict (BootTime is for those). */
export function processStartedAtMs(startTicks: number): number {
  return Date.now() - (uptimeMs() ?? 0) + (startTicks * 1000) / CLOCK_TICKS_PER_S;
}

export const CLOCK_TICKS_PER_S = 100; // USER_HZ, fixed by the Linux ABI for /proc

function readTrimmed(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readLink(file: string): string | undefined {
  try {
    return fs.readlinkSync(file);
  } catch {
    return undefined;
  }
}
