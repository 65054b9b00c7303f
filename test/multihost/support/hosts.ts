/**
 * Several machines on this one: a real network file system and hosts that do not share a
 * process table (docs/SHAREDFS-HARNESS.md says what was measured; fileServer.ts chooses the
 * file system, glusterfs.ts is the other one).
 *
 * - SshServer: an sshd of our own on a free loopback port (its config, host key and
 *   authorized key in a scratch folder), serving one export folder over SFTP.
 * - Mount: one `sshfs` client of that folder per host, with its own caches; its process can
 *   be SIGSTOPped to cut the host off the file system (its calls block) and SIGCONTed back.
 * - SimHost: a process tree in its own PID and UTS namespaces (`unshare --pid --uts`) with its
 *   own hostname, whose PID 1 (fixtures/hostAgent.ts) starts processes on request. Killing
 *   it kills every process of that host at once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { childPids, exitOf } from '../../support/processes';
import type { FileServer, HostMount, Teardown } from './fileServer';

export const AGENT = path.join(__dirname, '..', 'fixtures', 'hostAgent.js');

export { harnessMissing } from './fileServer';

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

/** A process on a simulated host: the lines it prints, and how it ended. */
export class HostProcess extends EventEmitter {
  readonly lines: string[] = [];
  readonly errLines: string[] = [];
  pid = 0;
  exit: { code: number | null; signal: string | null } | undefined;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;

  constructor(
    readonly host: SimHost,
    readonly id: string,
  ) {
    super();
    this.exited = new Promise((resolve) => this.once('exit', resolve));
  }

  /** Resolves with the first line (so far or to come) of its stdout that `match` accepts. */
  line(match: RegExp, timeoutMs = 30_000): Promise<string> {
    return this.lineOf('line', match, timeoutMs);
  }

  /** The same for its stderr. */
  errLine(match: RegExp, timeoutMs = 30_000): Promise<string> {
    return this.lineOf('errLine', match, timeoutMs);
  }

  private lineOf(event: 'line' | 'errLine', match: RegExp, timeoutMs: number): Promise<string> {
    const seen = (event === 'line' ? this.lines : this.errLines).find((l) => match.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, onLine);
        reject(
          new Error(
            `${this.host.name}/${this.id}: no line matching ${match} within ${timeoutMs} ms; got:\n${this.lines.join('\n')}\n${this.errLines.join('\n')}`,
          ),
        );
      }, timeoutMs);
      const onLine = (l: string) => {
        if (!match.test(l)) return;
        clearTimeout(timer);
        this.off(event, onLine);
        resolve(l);
      };
      this.on(event, onLine);
    });
  }

  signal(sig: NodeJS.Signals): void {
    this.host.send({ op: 'signal', id: this.id, signal: sig });
  }
}

export class SimHost {
  private readonly procs = new Map<string, HostProcess>();
  private next = 0;
  private constructor(
    readonly name: string,
    readonly mount: HostMount,
    private readonly unshare: ChildProcess,
  ) {}

  /** A host named `name` that sees the queue through `mount`; killed when the test ends, before its mount goes. */
  static async start(name: string, mount: HostMount): Promise<SimHost> {
    const unshare = spawn(
      'unshare',
      ['--pid', '--fork', '--mount-proc', '--kill-child', '--uts', 'sh', '-c', `hostname ${name} && exec "$0" "$@"`, process.execPath, AGENT],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const host = new SimHost(name, mount, unshare);
    mount.server.hosts.push(host);
    let err = '';
    unshare.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      unshare.once('exit', (code) => reject(new Error(`host ${name} did not start (${code}): ${err}`)));
      readline.createInterface({ input: unshare.stdout }).on('line', (l) => {
        const msg = JSON.parse(l) as { id: string; ev: string; pid?: number; line?: string; code?: number | null; signal?: string | null };
        if (msg.ev === 'ready') return resolve();
        const p = host.procs.get(msg.id);
        if (!p) return;
        if (msg.ev === 'spawn') p.pid = msg.pid!;
        else if (msg.ev === 'out') {
          p.lines.push(msg.line!);
          p.emit('line', msg.line);
        } else if (msg.ev === 'err') {
          p.errLines.push(msg.line!);
          p.emit('errLine', msg.line);
        } else if (msg.ev === 'exit') {
          p.exit = { code: msg.code ?? null, signal: msg.signal ?? null };
          p.emit('exit', p.exit);
        }
      });
    });
    await ready;
    return host;
  }

  send(msg: object): void {
    this.unshare.stdin!.write(JSON.stringify(msg) + '\n');
  }

  /** Starts `argv` on this host (in its namespaces), with `env` added to the agent's environment. */
  run(argv: string[], env: Record<string, string> = {}): HostProcess {
    const id = `p${this.next++}`;
    const p = new HostProcess(this, id);
    this.procs.set(id, p);
    this.send({ op: 'spawn', id, argv, env });
    return p;
  }

  /** `p`'s pid as this machine's process table knows it (the agent reports its namespace's pids). */
  hostPidOf(p: HostProcess): number {
    const [agent] = childPids(this.unshare.pid!);
    for (const kid of childPids(agent)) {
      const ns = /^NSpid:\s+(.*)$/m
        .exec(fs.readFileSync(`/proc/${kid}/status`, 'utf8'))?.[1]
        .trim()
        .split(/\s+/);
      if (ns && Number(ns[ns.length - 1]) === p.pid) return kid;
    }
    throw new Error(`${this.name}: no process with namespace pid ${p.pid}`);
  }

  /** Our pid of the host's first process: `nsenter -t <it>` enters the host's namespaces (its mounts are its own). */
  get agentPid(): number {
    return childPids(this.unshare.pid!)[0];
  }

  get alive(): boolean {
    return this.unshare.exitCode === null && this.unshare.signalCode === null;
  }

  /** The whole host dies at once: every process in its PID namespace is SIGKILLed by the kernel. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.unshare.kill('SIGKILL'); // --kill-child: our PID 1 gets SIGKILL, and with it the namespace
    await exitOf(this.unshare);
    for (const p of this.procs.values()) if (!p.exit) p.emit('exit', (p.exit = { code: null, signal: 'SIGKILL' }));
  }
}
