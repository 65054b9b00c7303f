/**
 * A queue on a network file system used by several simulated hosts (support/hosts.ts):
 * the test itself looks at the queue through the server's own folder (the export), as
 * the file server would, never through a host's mount.
 */
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino, type JobRecord } from 'pacchettino';
import { CLI_MAIN } from '../../support/cli';
import { SimHost, SshServer, type HostProcess } from './hosts';

export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

export interface Cluster {
  server: SshServer;
  hosts: SimHost[];
  /** The queue as the server holds it (a local folder). */
  queue: Pacchettino;
  /** The queue's path as hosts see it through their own mount. */
  on(host: SimHost): string;
}

export async function startCluster(t: TestContext, names: string[], label: string): Promise<Cluster> {
  const server = await SshServer.start(t, label);
  const hosts: SimHost[] = [];
  for (const name of names) hosts.push(await SimHost.start(name, await server.mount(`mnt-${name}`)));
  // Made on the server's side; shared: false, as this process is the file server, not a host.
  const queue = new Pacchettino(path.join(server.exportDir, 'q'), { shared: false });
  t.after(() => queue.close());
  return { server, hosts, queue, on: (host) => path.join(host.mount.path, 'q') };
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
