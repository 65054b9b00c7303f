import * as fs from 'node:fs';
import { errnoOf } from './errors';
import { fsPath } from './fsName';

/**
 * fsync helpers for durable mode: a rename is only on disk once the directories on
 * both sides are synced, and a payload only once its own bytes are.
 */
export function fsyncPath(p: string): void {
  const fd = fs.openSync(fsPath(p), 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncDirs(...dirs: string[]): void {
  for (const d of new Set(dirs)) {
    try {
      fsyncPath(d);
    } catch (err) {
      // Some file systems refuse fsync on a directory; the rename itself has happened.
      if (errnoOf(err) !== 'EINVAL' && errnoOf(err) !== 'EISDIR') throw err;
    }
  }
}

/** rmdir, falling back to a recursive remove when a handler left files behind. */
export function removeDir(dir: string): void {
  try {
    fs.rmdirSync(fsPath(dir));
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') fs.rmSync(fsPath(dir), { recursive: true, force: true });
    else throw err;
  }
}
