import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WaitOptions {
  /** Give up (reject) after this many ms: a guard against a hung test, not a synchronisation delay. */
  timeoutMs?: number;
  /**
   * Also look every this many ms: for a folder on a network mount, where no watch sees what
   * other clients do (bounded polling: nothing else signals). Default: the watch alone.
   */
  pollMs?: number;
}

/** Calls `look` every `opts.pollMs`, if set, until the returned stop is called. */
function alsoPoll(opts: WaitOptions, look: () => unknown): () => void {
  if (opts.pollMs === undefined) return () => undefined;
  const timer = setInterval(look, opts.pollMs);
  return () => clearInterval(timer);
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Resolves with the first entry of `dir` that `match` accepts, as soon as one exists.
 * Driven by a file-system watch on `dir` (inotify on Linux), not by polling: the folder
 * is listed once up front and again on each event. `dir` must exist.
 */
export function waitForEntry(dir: string, match: (name: string) => boolean, opts: WaitOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let watcher: fs.FSWatcher | undefined;
    let stopPolling: () => void = () => undefined;
    const finish = (err: Error | undefined, name?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stopPolling();
      watcher?.close();
      if (err) reject(err);
      else resolve(name!);
    };
    const look = (): boolean => {
      if (done) return true;
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch (err) {
        finish(err as Error);
        return true;
      }
      const hit = names.find(match);
      if (hit === undefined) return false;
      finish(undefined, hit);
      return true;
    };
    // Watch first, then look: an entry made between the two is caught by one or the other.
    try {
      watcher = fs.watch(dir, () => look());
    } catch (err) {
      finish(err as Error);
      return;
    }
    watcher.on('error', (err) => finish(err));
    if (look()) return;
    stopPolling = alsoPoll(opts, look);
    timer = setTimeout(() => {
      if (!look()) finish(new Error(`timed out after ${timeoutMs} ms waiting for an entry in ${dir}`));
    }, timeoutMs);
  });
}

/** Resolves once `p` exists, waiting (by watch) for missing parent folders first. */
export async function waitForPath(p: string, opts: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const parent = path.dirname(p);
  if (!fs.existsSync(parent)) await waitForPath(parent, { timeoutMs: deadline - Date.now() });
  const name = path.basename(p);
  await waitForEntry(parent, (n) => n === name, { timeoutMs: Math.max(1, deadline - Date.now()) });
}

/** Resolves once `dir` has no entry that `match` accepts (a job moved on, say). */
export function waitForNoEntry(dir: string, match: (name: string) => boolean, opts: WaitOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let done = false;
    const watcher = fs.watch(dir, () => look());
    const timer = setTimeout(() => {
      if (!look()) finish(new Error(`timed out after ${timeoutMs} ms waiting for ${dir} to lose an entry`));
    }, timeoutMs);
    const stopPolling = alsoPoll(opts, () => look());
    function finish(err?: Error) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stopPolling();
      watcher.close();
      if (err) reject(err);
      else resolve();
    }
    function look(): boolean {
      if (done) return true;
      try {
        if (fs.readdirSync(dir).some(match)) return false;
      } catch (err) {
        finish(err as Error);
        return true;
      }
      finish();
      return true;
    }
    watcher.on('error', (err) => finish(err));
    look();
  });
}
