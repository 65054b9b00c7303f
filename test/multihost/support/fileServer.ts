/**
 * The network file system the simulated hosts share, chosen by PACCHETTINO_MULTIHOST_FS:
 *
 * - `sshfs` (default): sshd of our own on a loopback port, one sshfs client per host
 *   (sshServer.ts). flock is local to each mount, as on many network file systems, so only
 *   leases can tell another host's owner is alive.
 * - `glusterfs`: a one-brick GlusterFS volume on this machine, one glusterfs client per host
 *   (glusterfs.ts). flock is shared across mounts, so the lock-file mode works across hosts too.
 *
 * docs/SHAREDFS-HARNESS.md says what was measured on each.
 */
import * as fs from 'node:fs';
import type { SimHost } from './hosts';

/** What a test or the bench gives the harness: called at its end, in order, to undo what was set up. */
export interface Teardown {
  after(fn: () => Promise<void> | void): void;
}

/** One host's client of the file server: its own caches and its own process. */
export interface HostMount {
  readonly path: string;
  readonly server: FileServer;
  /**
   * Cut this host off the file system until resume(): sshfs stops its client (its calls block);
   * glusterfs drops its client's connection (its calls fail, the brick frees its locks).
   */
  pause(): void;
  resume(): Promise<void>;
  unmount(): Promise<void>;
}

export interface FileServer {
  readonly kind: FileSystemKind;
  /** Where the test looks at the shared files: the server's own folder (sshfs), or a client of its own (glusterfs). */
  readonly viewDir: string;
  /** Undefined when a watch on viewDir sees every host's changes; else how often waits must look again (no watch does). */
  readonly lookEveryMs?: number;
  /** Hosts using this server's mounts: killed before the mounts go. */
  readonly hosts: SimHost[];
  mount(name: string): Promise<HostMount>;
}

export type FileSystemKind = 'sshfs' | 'glusterfs';

/** Whether flock through one host's mount is seen through the others (measured): then a live lock holder is alive whatever its lease. */
export const SHARES_LOCKS: Record<FileSystemKind, boolean> = { sshfs: false, glusterfs: true };

export function fileSystemKind(): FileSystemKind {
  const v = process.env.PACCHETTINO_MULTIHOST_FS ?? 'sshfs';
  if (v !== 'sshfs' && v !== 'glusterfs') throw new Error(`PACCHETTINO_MULTIHOST_FS=${v}: expected sshfs or glusterfs`);
  return v;
}

const NEEDS: Record<FileSystemKind, [string[], string]> = {
  sshfs: [['/usr/sbin/sshd', '/usr/bin/sshfs', '/usr/bin/ssh-keygen'], 'openssh-server sshfs'],
  glusterfs: [['/usr/sbin/glusterd', '/usr/sbin/gluster', '/usr/sbin/glusterfs'], 'glusterfs-server glusterfs-client'],
};

/** Whether this machine can run the harness on the chosen file system (CI installs the packages; see .ci/run). */
export function harnessMissing(): string | undefined {
  const [bins, packages] = NEEDS[fileSystemKind()];
  for (const bin of [...bins, '/usr/bin/unshare', '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1']) {
    if (!fs.existsSync(bin)) return `${bin} is missing (apt-get install ${packages} faketime util-linux)`;
  }
  if (!fs.existsSync('/dev/fuse')) return 'no /dev/fuse';
  return undefined;
}
