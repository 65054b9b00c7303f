/**
 * GlusterFS on this one machine, the second network file system of the multi-host tests
 * (PACCHETTINO_MULTIHOST_FS=glusterfs; docs/SHAREDFS-HARNESS.md has the measurements):
 * glusterd (started if none runs), a one-brick volume of our own in a scratch folder, and
 * one `glusterfs` client per host in the foreground (its pid is ours to SIGSTOP).
 *
 * Unlike sshfs, flock is shared across the clients, and the brick keeps a client's locks for
 * as long as its connection lives: a stopped client keeps them (its TCP connection is up), so
 * cutting a host off stops nothing here, it drops the connection (GlusterMount). Client caches are off:
 * with them, one client sees another's changes up to a second late. The test's own view is a
 * client too (the brick itself is not to be touched), and no watch on it sees what the hosts
 * do: waits look again every `lookEveryMs`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { FileServer, HostMount, Teardown } from './fileServer';
import { Mount } from './fuseMount';
import type { SimHost } from './hosts';

/** How long a client waits for an unanswering brick before it takes it for gone (default 42 s). */
const PING_TIMEOUT_S = 3;

const OPTIONS: [string, string][] = [
  ...['stat-prefetch', 'quick-read', 'open-behind', 'write-behind', 'flush-behind', 'read-ahead', 'io-cache', 'readdir-ahead', 'nl-cache'].map(
    (o): [string, string] => [`performance.${o}`, 'off'],
  ),
  ['network.ping-timeout', String(PING_TIMEOUT_S)],
];

function gluster(...args: string[]): string {
  const r = spawnSync('gluster', ['--mode=script', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gluster ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

function glusterdAnswers(): boolean {
  return spawnSync('gluster', ['--mode=script', 'volume', 'list'], { stdio: 'ignore' }).status === 0;
}

/** Starts glusterd unless one runs; returns its pid file when it is ours to stop. */
async function ensureGlusterd(dir: string): Promise<string | undefined> {
  if (glusterdAnswers()) return undefined;
  const pidFile = path.join(dir, 'glusterd.pid');
  const r = spawnSync('/usr/sbin/glusterd', ['-p', pidFile, `--log-file=${path.join(dir, 'glusterd.log')}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`glusterd did not start: ${r.stderr}`);
  const deadline = Date.now() + 20_000;
  while (!glusterdAnswers()) {
    if (Date.now() > deadline) throw new Error(`glusterd never answered: ${fs.readFileSync(path.join(dir, 'glusterd.log'), 'utf8').slice(-2000)}`);
    await delay(100); // glusterd daemonises and says nothing when it listens: bounded polling of its CLI
  }
  return pidFile;
}

export class GlusterServer implements FileServer {
  readonly kind = 'glusterfs';
  readonly lookEveryMs = 50;
  readonly hosts: SimHost[] = [];
  private readonly mounts: GlusterMount[] = [];
  private view!: GlusterMount;

  private constructor(
    readonly dir: string,
    readonly volume: string,
  ) {}

  get viewDir(): string {
    return this.view.path;
  }

  /** A fresh volume; removed (and glusterd stopped, if we started it and nothing else uses it) when the test ends. */
  static async start(t: Teardown, label: string): Promise<GlusterServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pacchettino-${label}-`));
    const ownGlusterd = await ensureGlusterd(dir);
    const volume = `pacchettino-${label}-${randomBytes(3).toString('hex')}`;
    // The machine's name, not localhost: glusterd refuses loopback names for bricks. `force`: the brick is on the root file system.
    gluster('volume', 'create', volume, `${os.hostname()}:${path.join(dir, 'brick')}`, 'force');
    const server = new GlusterServer(dir, volume);
    t.after(async () => {
      for (const h of server.hosts) await h.kill();
      for (const m of server.mounts) await m.unmount();
      gluster('volume', 'stop', volume, 'force');
      gluster('volume', 'delete', volume);
      // Its CLI says "No volumes present" on stderr, nothing on stdout.
      if (ownGlusterd && gluster('volume', 'list').trim() === '') {
        process.kill(Number(fs.readFileSync(ownGlusterd, 'utf8')), 'SIGTERM');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });
    gluster('volume', 'set', volume, ...OPTIONS.flat());
    gluster('volume', 'start', volume);
    server.view = await server.mount('view');
    return server;
  }

  async mount(name: string): Promise<GlusterMount> {
    const at = path.join(this.dir, name);
    fs.mkdirSync(at);
    const m = new GlusterMount(at, this, await this.client(at));
    this.mounts.push(m);
    return m;
  }

  /**
   * A glusterfs client of our volume at `at`, in the foreground (`-N`), with no kernel caching
   * of attributes or entries; in `host`'s mount namespace when given (a host's namespace
   * copied our mounts when it started, and sees none we make later).
   */
  async client(at: string, host?: SimHost): Promise<Mount> {
    const log = path.join(this.dir, `${path.basename(at)}.log`);
    const enter = host ? ['nsenter', '-t', String(host.agentPid), '-m'] : [];
    const argv = [...enter, 'glusterfs', '-N', '--attribute-timeout=0', '--entry-timeout=0', '--negative-timeout=0', '--fopen-keep-cache=false'];
    argv.push(`--volfile-server=${os.hostname()}`, `--volfile-id=${this.volume}`, `--log-file=${log}`, at);
    for (let attempt = 0; ; attempt++) {
      const m = await Mount.start(this, at, argv, host ? `/proc/${host.agentPid}/mounts` : undefined);
      if (m) return m;
      if (attempt >= 20) throw new Error(`glusterfs could not mount ${this.volume} at ${at}: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
      await delay(200); // the volume's brick may still be starting: retry, bounded
    }
  }
}

/**
 * A host's GlusterFS client. Cut off, it loses its connection as in a partition once the
 * ping timeout ran out: the client dies (SIGKILL), so the brick frees its locks at once and the
 * host's calls on the mount fail (ENOTCONN) instead of blocking. Back, a new client on the same
 * path (in the host's mount namespace) stands for the old one reconnecting: the host's
 * processes find the volume as it now is.
 */
export class GlusterMount implements HostMount {
  constructor(
    readonly path: string,
    readonly server: GlusterServer,
    private current: Mount,
  ) {}

  pause(): void {
    process.kill(this.current.pid, 'SIGKILL');
  }

  async resume(): Promise<void> {
    if (this.current.running) return;
    await this.current.unmount();
    const host = this.server.hosts.find((h) => h.mount === this && h.alive);
    // In the host's namespace, its copy of the dead mount goes first; the new client is mounted there.
    if (host) spawnSync('nsenter', ['-t', String(host.agentPid), '-m', 'fusermount', '-u', '-z', this.path]);
    this.current = await this.server.client(this.path, host);
  }

  unmount(): Promise<void> {
    return this.current.unmount();
  }
}
