import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Layout, QueueErrorCode } from 'pacchettino';
import { MTIME_TICK_SLACK_MS, notRealDirError, queuePathError } from 'pacchettino/internal';

export interface FolderHealth {
  /** Why the queue cannot be read now; undefined when it can. */
  error?: string;
  /** With `error`: its kind, as the core's codes name it (the client words its messages from it). */
  code?: QueueErrorCode;
  /** Moves whenever a state folder gains, loses or renames an entry, changes permissions, or is replaced: what polling compares. */
  fingerprint: string;
  /** Which folders (inodes) are there: a watch set up on other inodes is watching folders that were replaced. */
  identity: string;
  /** False when a folder changed within a tick of now, so an equal fingerprint later would not prove "no change". */
  settled: boolean;
}

/**
 * Looks at a queue's base and state folders with stats only (no listings), so it is
 * cheap enough to run every second on every queue. The worker never recreates a missing
 * folder here: a user running `rm -rf` on a queue would otherwise find it coming back
 * under their feet (or the rmdir of the base failing). Consumers and sends recreate folders
 * when they open the queue, and the next check then finds it healthy.
 */
export function checkFolders(layout: Layout, now: number = Date.now()): FolderHealth {
  const parts: string[] = [];
  const inodes: string[] = [];
  let error: string | undefined;
  let code: QueueErrorCode | undefined;
  let settled = true;
  // The folders a queue's counts come from: a missing one makes the counts lie, so it is an error.
  for (const dir of [layout.base, ...layout.stateFolders()]) {
    let st: fs.Stats;
    try {
      // The base may be a link (a queue kept elsewhere); a state folder may not: the core refuses to reach through it.
      st = dir === layout.base ? fs.statSync(dir) : fs.lstatSync(dir);
      if (!st.isDirectory()) {
        parts.push(st.isSymbolicLink() ? '!link' : '!file');
        // In the core's words: its refusal of the same path may reach the client first (an open, a send).
        const refusal = dir === layout.base ? queuePathError(dir, 'a file') : notRealDirError(dir, st);
        code ??= refusal.code;
        error ??= refusal.message;
        if (dir === layout.base) break;
        continue;
      }
      // stat needs no read permission on the folder itself; listing it does.
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    } catch (err) {
      const errno = (err as NodeJS.ErrnoException).code ?? 'ERR';
      parts.push(`!${errno}`);
      code ??= codeOfErrno(errno);
      error ??= describeFailure(layout.base, dir, errno);
      if (dir === layout.base) break; // nothing under a missing base is worth a stat
      continue;
    }
    // ctime, not mtime: it moves with every entry change as mtime does, and also with a chmod or chown.
    parts.push(`${st.ino}:${st.ctimeMs}`);
    inodes.push(String(st.ino));
    // Both ways: a network file system's clock may run ahead of ours, and "in the future" must not mean "unsettled forever".
    if (Math.abs(now - st.ctimeMs) < MTIME_TICK_SLACK_MS) settled = false;
  }
  return { error, code, fingerprint: parts.join(' '), identity: inodes.join(' '), settled };
}

function codeOfErrno(errno: string): QueueErrorCode {
  if (errno === 'ENOENT') return 'NOT_A_QUEUE';
  if (errno === 'EACCES' || errno === 'EPERM') return 'NO_ACCESS';
  if (errno === 'ENOTDIR') return 'NOT_A_DIRECTORY';
  return 'IO';
}

function describeFailure(base: string, dir: string, code: string): string {
  const what = dir === base ? `Queue folder ${base}` : `${relative(base, dir)} of queue ${base}`;
  switch (code) {
    case 'ENOENT':
      return dir === base
        ? `${what} does not exist (removed, renamed or not mounted); it shows again when the folder comes back`
        : `${base} is not a complete queue folder: ${relative(base, dir)} is missing (a send or a consumer opening the queue recreates it)`;
    case 'EACCES':
    case 'EPERM':
      return `${what} cannot be read: permission denied`;
    case 'ENOTDIR':
      return dir === base ? queuePathError(base, 'inside a file').message : `${what} is not a folder (a file stands in its path)`;
    default:
      return `${what} cannot be read (${code})`;
  }
}

function relative(base: string, dir: string): string {
  return `${path.relative(base, dir)}/`;
}
