/**
 * Freezing a consumer to see exactly what it holds before it is killed: while it is
 * stopped it is alive (nobody recovers its jobs) and it moves nothing itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

function stateOf(pid: number, tid: string): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined; // the thread is gone
  }
}

/**
 * Resolves once every thread of `pid` is in group stop after a SIGSTOP. kill() returns
 * before the signal lands (a thread in a system call stops when the call ends), and no
 * event says when it did, so this reads /proc, yielding to the event loop between looks.
 */
export async function allStopped(pid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = fs.readdirSync(`/proc/${pid}/task`).map((tid) => stateOf(pid, tid));
    if (states.every((s) => s === undefined || s === 'T' || s === 't')) return;
    if (Date.now() > deadline) throw new Error(`${pid} not stopped after ${timeoutMs} ms: thread states ${states.join('')}`);
    await yieldToLoop();
  }
}

/**
 * The owners a process claims jobs as: its pid, and the lock tokens it holds. A lock-mode
 * consumer holds owners/<token> through an `flock ... tmp/owner-<token> sh -c ...` child
 * (see ownerLock.ts), so its tokens are read off its children's command lines: the
 * process table's word, which holds in another PID namespace too.
 */
export function ownersOf(pid: number): Set<string> {
  const owners = new Set([String(pid)]);
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let kids: string;
    try {
      kids = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    } catch {
      continue;
    }
    for (const kid of kids ? kids.split(/\s+/) : []) {
      let argv: string[];
      try {
        argv = fs.readFileSync(`/proc/${kid}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      const m = argv[0] === 'flock' ? /\/owner-([0-9a-z]+)$/.exec(argv[2] ?? '') : null;
      if (m) owners.add(m[1]);
    }
  }
  return owners;
}

/**
 * Job names whose claim belongs to `pid` and holds the payload: the jobs it holds right now.
 * A claim is a dir holding the payload, or (a data job's file form) the payload itself.
 */
export function heldBy(base: string, pid: number): string[] {
  const owners = ownersOf(pid);
  const processing = path.join(base, 'processing');
  const held: string[] = [];
  for (const entry of fs.readdirSync(processing)) {
    const dot = entry.lastIndexOf('.');
    if (dot <= 0 || !owners.has(entry.slice(dot + 1))) continue;
    if (fs.lstatSync(path.join(processing, entry), { throwIfNoEntry: false })?.isFile()) {
      held.push(entry.slice(0, dot));
      continue;
    }
    let inside: string[];
    try {
      inside = fs.readdirSync(path.join(processing, entry));
    } catch {
      continue;
    }
    if (inside.length > 0) held.push(entry.slice(0, dot));
  }
  return held;
}
