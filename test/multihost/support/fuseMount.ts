/**
 * One host's FUSE client of the shared file system (sshfs or glusterfs), with its own caches,
 * kept in the foreground so its pid is ours: SIGSTOP cuts the host off the file system (its
 * calls block), SIGCONT lets it back; unmounting also clears a mount whose client died.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { exitOf } from '../../support/processes';
import type { FileServer, HostMount } from './fileServer';

/** One host's FUSE client (sshfs or glusterfs) in the foreground, so its pid is ours to stop. */
export class Mount implements HostMount {
  private constructor(
    readonly path: string,
    private readonly client: ChildProcess,
    readonly server: FileServer,
  ) {}

  /** Starts `argv` (a FUSE client that mounts at `at` and stays in the foreground); undefined if the mount never came up. */
  static async start(server: FileServer, at: string, argv: string[], mountsFile = '/proc/self/mounts'): Promise<Mount | undefined> {
    const client = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    const deadline = Date.now() + 10_000;
    while (client.exitCode === null && client.signalCode === null) {
      if (isMountPoint(at, mountsFile)) return new Mount(at, client, server);
      if (Date.now() > deadline) break;
      await delay(20); // no event says a FUSE mount is up: bounded polling of /proc/self/mounts
    }
    if (client.exitCode === null) client.kill('SIGKILL');
    await exitOf(client);
    return undefined;
  }

  get pid(): number {
    return this.client.pid!;
  }

  pause(): void {
    process.kill(this.pid, 'SIGSTOP');
  }

  resume(): Promise<void> {
    if (this.running) process.kill(this.pid, 'SIGCONT');
    return Promise.resolve();
  }

  get running(): boolean {
    return this.client.exitCode === null && this.client.signalCode === null;
  }

  /** Also when the client died: a dead FUSE mount stays until unmounted. */
  async unmount(): Promise<void> {
    const running = this.running;
    await this.resume();
    if (isMountPoint(this.path)) spawnSync('fusermount', ['-u', '-z', this.path]);
    if (!running) return;
    this.client.kill('SIGTERM');
    await exitOf(this.client);
  }
}

/** Whether `p` is a mount point in the mount namespace whose table `mountsFile` is. */
export function isMountPoint(p: string, mountsFile = '/proc/self/mounts'): boolean {
  return fs
    .readFileSync(mountsFile, 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === p);
}
