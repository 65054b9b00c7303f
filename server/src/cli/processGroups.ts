/**
 * Handlers run in process groups of their own (spawned detached: a session each), so a
 * Ctrl-C meant for the consumer does not kill the job in hand, and a timeout, a shutdown or
 * the handler's end can stop everything it started (a shell script's children too) by
 * signalling its group. `running` holds the groups of live handlers; `lingering` those of
 * handlers that have ended, until their grace period is over. One home for both the
 * process-per-job handlers (handlerProcess.ts) and the persistent ones (persistentHandler.ts).
 */
const runningGroups = new Set<number>();
const lingeringGroups = new Set<number>();

/** After a SIGTERM (a timeout, or what a finished handler left behind), how long a group has before SIGKILL. */
export const KILL_GRACE_MS = 5000;

export function signalHandlers(signal: NodeJS.Signals): void {
  for (const pgid of [...runningGroups, ...lingeringGroups]) signalGroup(pgid, signal);
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

export function groupStarted(pgid: number): void {
  runningGroups.add(pgid);
}

/**
 * The handler is over (exited, or given up on): what is left in its group is sent SIGTERM
 * now and SIGKILL after KILL_GRACE_MS, as systemd does with a service's leftovers.
 */
export function endGroup(pgid: number): void {
  runningGroups.delete(pgid);
  lingeringGroups.add(pgid);
  signalGroup(pgid, 'SIGTERM');
  setTimeout(() => {
    signalGroup(pgid, 'SIGKILL');
    lingeringGroups.delete(pgid);
  }, KILL_GRACE_MS).unref();
}

// However the consumer ends (but SIGKILL), its handlers end with it.
process.on('exit', () => signalHandlers('SIGKILL'));
