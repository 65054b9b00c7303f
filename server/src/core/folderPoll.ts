import * as fs from 'node:fs';
import { monotonicMs } from './ownerLease';

/**
 * Network file systems tell a watch nothing of what other machines do (inotify on an
 * sshfs, NFS or GlusterFS mount sees only this machine's changes), so on a shared queue
 * waiting consumers and the worker also poll. A poll is a stat of each folder, not a
 * listing: a folder's mtime, ctime and size move when an entry comes or goes.
 *
 * Some servers give times in whole seconds (SFTP): a second entry in the same second as
 * the last one seen leaves the stat unchanged. So for a while after a change every poll
 * says "look", and only a stat that has stood still that long means nothing happened.
 */
const COARSE_TIME_MS = 2000;
/** How many names of each folder a poll reads. */
const HEAD_NAMES = 32;

export class FolderPoll {
  private last = '';
  private changedAt = -Infinity;

  constructor(private readonly dirs: string[]) {}

  /** Whether the folders may have changed since the last call (the first call says yes). */
  changed(): boolean {
    const sig = this.dirs.map(signature).join('|');
    const now = monotonicMs();
    if (sig !== this.last) {
      this.last = sig;
      this.changedAt = now;
      return true;
    }
    return now - this.changedAt < COARSE_TIME_MS;
  }
}

function signature(dir: string): string {
  let head = '';
  try {
    const st = fs.statSync(dir);
    const d = fs.opendirSync(dir, { bufferSize: HEAD_NAMES });
    try {
      for (let i = 0; i < HEAD_NAMES; i++) {
        const e = d.readSync();
        if (!e) break;
        head += `/${e.name}`;
      }
    } finally {
      d.closeSync();
    }
    return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}:${st.nlink}${head}`;
  } catch (err) {
    return `error:${(err as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
}
