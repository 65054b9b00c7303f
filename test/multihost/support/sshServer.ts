/**
 * The sshfs file server of the multi-host tests (fileServer.ts chooses it or glusterfs.ts;
 * docs/SHAREDFS-HARNESS.md says what was measured): an sshd of our own on a free loopback
 * port (its config, host key and authorized key in a scratch folder), serving one export
 * folder over SFTP, and one `sshfs` client of that folder per host (fuseMount.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { exitOf } from '../../support/processes';
import type { FileServer, Teardown } from './fileServer';
import { Mount } from './fuseMount';
import type { SimHost } from './hosts';

async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

async function untilConnects(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on port ${port} never accepted a connection`);
    await delay(50); // nothing signals that a daemon started listening: bounded polling
  }
}

export class SshServer implements FileServer {
  readonly kind = 'sshfs';
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly exportDir: string,
    private readonly sshd: ChildProcess,
  ) {}

  /** Starts sshd; stopped (and every mount made through it unmounted) when the test ends. */
  static async start(t: Teardown, label: string): Promise<SshServer> {
    // Our own scratch folder, removed only after every mount of it is gone.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pacchettino-${label}-`));
    fs.chmodSync(dir, 0o755);
    const exportDir = path.join(dir, 'export');
    fs.mkdirSync(exportDir);
    for (const k of ['key', 'hostkey']) {
      const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, k)]);
      if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr.toString()}`);
    }
    fs.copyFileSync(path.join(dir, 'key.pub'), path.join(dir, 'authorized_keys'));
    fs.chmodSync(path.join(dir, 'authorized_keys'), 0o600);
    const port = await freePort();
    const config = path.join(dir, 'sshd_config');
    fs.writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(dir, 'hostkey')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'StrictModes no',
        'Subsystem sftp internal-sftp',
        'UsePAM no',
        '',
      ].join('\n'),
    );
    fs.mkdirSync('/run/sshd', { recursive: true }); // sshd refuses to start without it
    const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    sshd.stderr.on('data', (b: Buffer) => (log += b.toString()));
    const server = new SshServer(dir, port, exportDir, sshd);
    t.after(async () => {
      // Hosts first (their processes hold files open on the mounts), then mounts, then sshd.
      for (const h of server.hosts) await h.kill();
      for (const m of server.mounts) await m.unmount();
      if (sshd.exitCode === null && sshd.signalCode === null) sshd.kill('SIGTERM');
      await exitOf(sshd);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    try {
      await untilConnects(port, 10_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}: ${log}`, { cause: err });
    }
    return server;
  }

  private readonly mounts: Mount[] = [];
  readonly hosts: SimHost[] = [];

  /** The export itself, a local folder: a watch on it sees what every host does. */
  get viewDir(): string {
    return this.exportDir;
  }

  /**
   * One more client of the export folder, mounted at `<dir>/<name>`. `dir_cache=no`: as the
   * README advises, a shared queue's folders must not be cached for seconds by the client.
   */
  async mount(name: string): Promise<Mount> {
    const at = path.join(this.dir, name);
    fs.mkdirSync(at);
    const argv = ['sshfs', '-f', '-p', String(this.port), '-o', `IdentityFile=${path.join(this.dir, 'key')}`];
    argv.push('-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'dir_cache=no');
    argv.push(`root@127.0.0.1:${this.exportDir}`, at);
    for (let attempt = 0; ; attempt++) {
      const m = await Mount.start(this, at, argv);
      if (m) {
        this.mounts.push(m);
        return m;
      }
      if (attempt >= 20) throw new Error(`sshfs could not mount ${at}`);
      await delay(100); // sshd may need a moment before its first session: retry, bounded
    }
  }
}
