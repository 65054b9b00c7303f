/**
 * A queue on a network file system used by several simulated hosts (support/hosts.ts):
 * the test itself looks at the queue through the server's view (sshfs: its own folder, the
 * export, as the file server would; glusterfs: a client of its own), never through a host's mount.
 */
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino, type JobRecord } from 'pacchettino';
import { CLI_MAIN } from '../../support/cli';
import type { WaitOptions } from '../../support/waitFor';
import { fileSystemKind, type FileServer, type Teardown } from './fileServer';
import { GlusterServer } from './glusterfs';
import { SimHost, type HostProcess } from './hosts';
import { SshServer } from './sshServer';

/** The tests' lease, short so a dead host's jobs go within seconds, and what follows from it. */
export const LEASE_MS = 1500;
export const MARGIN_MS = 1000; // ownerLease.leaseMargin(1500)
export const SWEEP_MS = 1000; // the consumer's default recoveryInterval
/** The CLI's flag for it. */
export const LEASE = ['--lease', `${LEASE_MS}ms`];

export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

export interface Cluster {
  server: FileServer;
  hosts: SimHost[];
  /** The queue as the server holds it (a local folder). */
  queue: Pacchettino;
  /** The queue's path as hosts see it through their own mount. */
  on(host: SimHost): string;
  /** Options for waitForEntry and its kin on the queue's folders: they also look again where no watch sees the hosts. */
  waits(timeoutMs: number): WaitOptions;
}

/** The file server PACCHETTINO_MULTIHOST_FS names (fileServer.ts), torn down with `t`. */
export function startFileServer(t: Teardown, label: string): Promise<FileServer> {
  return fileSystemKind() === 'glusterfs' ? GlusterServer.start(t, label) : SshServer.start(t, label);
}

export async function startCluster(t: Teardown, names: string[], label: string): Promise<Cluster> {
  const server = await startFileServer(t, label);
  const hosts: SimHost[] = [];
  for (const name of names) hosts.push(await SimHost.start(name, await server.mount(`mnt-${name}`)));
  // Made on the server's side; shared: false, as this process is the file server, not a host.
  const queue = new Pacchettino(path.join(server.viewDir, 'q'), { shared: false });
  t.after(() => queue.close());
  return { server, hosts, queue, on: (host) => path.join(host.mount.path, 'q'), waits: (timeoutMs) => ({ timeoutMs, pollMs: server.lookEveryMs }) };
}

/** The CLI on a host, as a user there runs it; `faketime` shifts its wall clock (not its monotonic one). */
export function cli(host: SimHost, args: string[], opts: { faketime?: string } = {}): HostProcess {
  const node = [process.execPath, CLI_MAIN, ...args];
  if (!opts.faketime) return host.run(node);
  // libfaketime preloaded by hand: the faketime wrapper wants POSIX semaphores, which a fresh mount namespace may lack.
  return host.run(node, { LD_PRELOAD: LIBFAKETIME, FAKETIME: opts.faketime, DONT_FAKE_MONOTONIC: '1' });
}

/** The job's uuid from a `START <id> ...` or `<RESULT> <id> ...` line. */
export function idOf(line: string): string {
  return line.split(' ')[1];
}

/**
 * The job's record once recovery wrote it: the sweep moves the payload (its commit point)
 * and writes the record just after, so a test that saw the payload arrive polls, bounded.
 */
export async function recordOf(queue: Pacchettino, id: string, timeoutMs = 5000): Promise<JobRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rec = queue.details(id)?.record;
    if (rec?.lastResult === 'INTERRUPTED' || Date.now() > deadline) return rec;
    await delay(20);
  }
}
