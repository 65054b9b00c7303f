/**
 * Group commit for durable mode: fsyncs on libuv's thread pool, so several run at once (the
 * file system's journal then commits them together), and one fsync of a directory shared by
 * every caller that asks for it while none has started on its behalf.
 *
 * A directory's fsync makes durable the entries changed in it before the fsync began. A
 * caller that asks while one is already running may have renamed its entry after that one
 * began, so it waits for the next, which every caller that arrives meanwhile shares: however
 * many callers, at most one fsync runs per directory and at most one more is waiting.
 */
import * as fs from 'node:fs';
import { errnoOf } from './errors';
import { fsPath } from './fsName';

interface DirState {
  running?: Promise<void>;
  next?: Promise<void>;
}

/** Per directory path, in this process: queues of the same folder opened twice share their fsyncs too. */
const dirs = new Map<string, DirState>();

/** Resolves once every entry renamed into (or out of) `dir` before the call is on disk. */
export function syncDir(dir: string): Promise<void> {
  let state = dirs.get(dir);
  if (!state) dirs.set(dir, (state = {}));
  const s = state;
  if (s.next) return s.next;
  if (!s.running) return begin(dir, s);
  // Waits out the running fsync whatever it answers: its error was its own callers'.
  s.next = s.running.then(
    () => undefined,
    () => undefined,
  );
  s.next = s.next.then(() => {
    s.next = undefined;
    return begin(dir, s);
  });
  return s.next;
}

function begin(dir: string, s: DirState): Promise<void> {
  const p = fsyncDirNow(dir).finally(() => {
    if (s.running !== p) return;
    s.running = undefined;
    if (!s.next) dirs.delete(dir);
  });
  s.running = p;
  return p;
}

async function fsyncDirNow(dir: string): Promise<void> {
  const fh = await fs.promises.open(fsPath(dir), 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some file systems refuse fsync on a directory (as fsyncDirs): the renames have happened.
    if (errnoOf(err) !== 'EINVAL' && errnoOf(err) !== 'EISDIR') throw err;
  } finally {
    await fh.close();
  }
}

/** Several directories at once: their fsyncs run side by side. */
export async function syncDirs(...list: string[]): Promise<void> {
  await Promise.all([...new Set(list)].map(syncDir));
}

/** fsync of an open descriptor on the thread pool. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** fsync of a file by its path (opened read-only), on the thread pool. */
export async function fsyncPathAsync(p: string): Promise<void> {
  const fh = await fs.promises.open(fsPath(p), 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
