import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { entryPath, type Layout } from './layout';
import { claimMadeMs, ownerKind, type OwnerLiveness } from './ownerLiveness';
import { claimOf } from './processingEntry';
import { pidExists, processAlive, processStartedAtMs, readProcStat, selfIdentity, sharesProcessTable } from './hostIdentity';
import { decodeOwnerFile } from './ownerLease';
import { readProgress, type JobProgress } from './progress';
import { readQueueFile } from './queueFile';

/** What one of our consumers writes about itself when it starts receiving. */
interface Registration {
  pid: number;
  host: string;
  /** When it started receiving. */
  since: number;
  /** Its processing dirs' suffix: the pid, or its lock token. */
  owner: string;
  command?: string;
  /** Who it is, in the terms liveness judges by (hostIdentity.ts); absent in older registrations. */
  bootId?: string;
  pidNs?: string;
  startTicks?: number;
}

export interface ConsumerJob {
  id: string;
  name: string;
  /** When it was claimed (claimMadeMs of its processing entry). */
  since: number;
  progress?: JobProgress;
}

export interface ConsumerInfo {
  owner: string;
  host?: string;
  pid?: number;
  since?: number;
  command?: string;
  /** Whether it registered itself (ours); false: seen only through its processing dirs (the original's, say). */
  registered: boolean;
  jobs: ConsumerJob[];
}

/** A process may start up to this long after it registered and still be the registrant (clock and /proc rounding). */
const START_SLACK_MS = 1000;

/**
 * Our consumers say who they are in `.pacchettino/consumers/<host>.<pid>.json` from their
 * first receive until close(): so an idle consumer is seen too, with what it runs. The
 * original's consumers (and ours killed before close) leave no such file, or a stale one:
 * listConsumers() judges every registration by the same liveness rules as recovery.
 */
export function register(layout: Layout, owner: string, command: string | undefined): string {
  const host = os.hostname();
  const me = selfIdentity();
  const rec: Registration = { pid: process.pid, host, since: Date.now(), owner, command, bootId: me.bootId, pidNs: me.pidNs, startTicks: me.startTicks };
  const file = entryPath(layout.consumers, registrationName());
  const tmp = entryPath(layout.consumers, `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(tmp, JSON.stringify(rec));
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
    // Only the consumers view misses it; consuming must not fail for a note.
  }
  return file;
}

/** The name of this process's registration in .pacchettino/consumers/ (every queue object of one process shares it). */
export function registrationName(): string {
  return `${os.hostname()}.${process.pid}.json`;
}

export function unregister(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // A mount cut off: the file stays, and sweeps prune it once its owner is judged dead.
  }
}

/**
 * The one place that says who is consuming a queue, from what is on disk: registrations
 * of live consumers of ours, and every live owner of a processing dir (a consumer started
 * from a shell, ours or the original's). Each with the jobs it holds and their progress.
 */
export function listConsumers(layout: Layout): ConsumerInfo[] {
  const byOwner = new Map<string, ConsumerInfo>();
  for (const reg of readRegistrations(layout)) {
    if (!registrationAlive(reg)) continue;
    byOwner.set(reg.owner, { owner: reg.owner, host: reg.host, pid: reg.pid, since: reg.since, command: reg.command, registered: true, jobs: [] });
  }
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(layout.processing, { withFileTypes: true });
  } catch {
    /* no processing/: nothing held */
  }
  for (const entry of entries) {
    // Either claim form (processingEntry.ts): the original's dirs, our file-form data jobs.
    const parsed = claimOf(entry.name, entry);
    if (!parsed) continue;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(layout.processing, entry.name));
    } catch {
      continue; // filed meanwhile
    }
    let info = byOwner.get(parsed.owner);
    if (!info) {
      const found = unregisteredOwner(layout, parsed.owner);
      if (!found) continue; // a dead owner's job: recovery's business, not a consumer
      byOwner.set(parsed.owner, (info = found));
    }
    info.jobs.push({ id: parsed.job.id, name: parsed.job.name, since: claimMadeMs(st), progress: readProgress(layout, parsed.job.id) });
  }
  return [...byOwner.values()].sort((a, b) => (a.since ?? 0) - (b.since ?? 0) || a.owner.localeCompare(b.owner));
}

/**
 * Removes registrations of consumers that died without close() (a recovery sweep's chore),
 * judged as their jobs are. One in our process table: by pid and start tick. One on another
 * host (or in another container): by its owner token, as `liveness` judges that token, so on
 * a shared queue only once its lease stood still for lease + margin as this sweeper watched
 * it; never by its pid, which names nothing in our process table. One naming a pid of another
 * host (pid mode) cannot be judged from here and stays.
 */
export function pruneRegistrations(layout: Layout, liveness: OwnerLiveness): void {
  for (const reg of readRegistrations(layout)) {
    if (!registrationDead(reg, liveness)) continue;
    try {
      // A consumer that registered again meanwhile (under a new owner) keeps its file.
      if (readQueueFile(reg.file) === reg.text) fs.rmSync(reg.file, { force: true });
    } catch {
      /* removed meanwhile */
    }
  }
}

function registrationDead(reg: Registration, liveness: OwnerLiveness): boolean {
  if (reg.bootId === undefined || reg.pidNs === undefined) return reg.host === os.hostname() && !registrationAlive(reg); // older files: by pid, on this host only
  if (sharesProcessTable({ bootId: reg.bootId, pidNs: reg.pidNs })) return !processAlive(reg.pid, reg.startTicks ?? -1);
  return ownerKind(reg.owner) === 'lock' && !liveness.tokenIsAlive(reg.owner);
}

function readRegistrations(layout: Layout): (Registration & { file: string; text: string })[] {
  let names: string[];
  try {
    names = fs.readdirSync(layout.consumers);
  } catch {
    return [];
  }
  const out: (Registration & { file: string; text: string })[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const file = entryPath(layout.consumers, name);
    try {
      const text = readQueueFile(file);
      const r = JSON.parse(text) as Partial<Registration>;
      if (typeof r.pid === 'number' && typeof r.owner === 'string' && typeof r.since === 'number') {
        out.push({
          pid: r.pid,
          host: String(r.host ?? ''),
          since: r.since,
          owner: r.owner,
          command: typeof r.command === 'string' ? r.command : undefined,
          bootId: typeof r.bootId === 'string' ? r.bootId : undefined,
          pidNs: typeof r.pidNs === 'string' ? r.pidNs : undefined,
          startTicks: typeof r.startTicks === 'number' ? r.startTicks : undefined,
          file,
          text,
        });
      }
    } catch {
      /* half-written by hand, or removed meanwhile */
    }
  }
  return out;
}

/** For showing: another host's registration cannot be judged in one look, so it shows as it says until a sweep prunes it (pruneRegistrations). */
function registrationAlive(reg: Registration): boolean {
  // Judged as recovery judges owners: in our process table by pid and start tick, no clock.
  if (reg.bootId !== undefined && reg.pidNs !== undefined) {
    return sharesProcessTable({ bootId: reg.bootId, pidNs: reg.pidNs }) ? processAlive(reg.pid, reg.startTicks ?? -1) : true;
  }
  if (reg.host !== os.hostname()) return true;
  if (!pidExists(reg.pid)) return false;
  const proc = readProcStat(reg.pid);
  if (!proc) return true;
  return proc.state !== 'Z' && proc.state !== 'X' && processStartedAtMs(proc.startTicks) <= reg.since + START_SLACK_MS;
}

/** A live owner that did not register: its pid (from the dir name, or its owner file), start and command line from /proc. */
function unregisteredOwner(layout: Layout, owner: string): ConsumerInfo | undefined {
  let pid: number | undefined;
  if (ownerKind(owner) === 'pid') pid = Number(owner);
  else {
    try {
      const text = readQueueFile(entryPath(layout.owners, owner)).trim();
      const who = decodeOwnerFile(text);
      if (who && !sharesProcessTable(who)) return { owner, host: who.host, pid: who.pid, registered: false, jobs: [] }; // another host's: its lease tells
      if (who && !processAlive(who.pid, who.startTicks)) return undefined; // dead, or its pid recycled
      if (who) pid = who.pid;
      else if (/^\d+$/.test(text)) pid = Number(text);
    } catch {
      return undefined; // a lock token with no owner file: its consumer is gone
    }
  }
  if (pid === undefined) return { owner, registered: false, jobs: [] };
  if (!pidExists(pid)) return undefined;
  const proc = readProcStat(pid);
  if (proc && (proc.state === 'Z' || proc.state === 'X')) return undefined;
  return { owner, host: os.hostname(), pid, since: proc && processStartedAtMs(proc.startTicks), command: commandLineOf(pid), registered: false, jobs: [] };
}

function commandLineOf(pid: number): string | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text.split('\0').filter(Boolean).join(' ') || undefined;
  } catch {
    return undefined;
  }
}
