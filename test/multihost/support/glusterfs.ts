/**
 * GlusterFS on this one machine, the second network file system of the multi-host tests
 * (PACCHETTINO_MULTIHOST_FS=glusterfs; docs/SHAREDFS-HARNESS.md has the measurements):
 * glusterd (started if none runs), a one-brick volume of our own in a scratch folder, and
 * one `glusterfs` client per host in the foreground (its pid is ours to SIGSTOP).
 *
 * Unlike sshfs, flock is shared across the clients, and a client's locks outlive its being
 * stopped until the brick gives up on it (`network.ping-timeout`, 42 s by default, set short
 * here so a cut-off host's lock goes as a real partition's would). Client caches are off:
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
import type { FileServer, Teardown } from './fileServer';
import { Mount, type SimHost } from './hosts';

/** Seconds a stopped client keeps its locks at the brick: a little over the tests' lease (1.5 s) plus margin. */
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
  private readonly mounts: Mount[] = [];
  private view!: Mount;

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

  async mount(name: string): Promise<Mount> {
    const at = path.join(this.dir, name);
    fs.mkdirSync(at);
    // `-N`: in the foreground. Zero timeouts: the kernel caches no attribute or entry for a second.
    const argv = ['glusterfs', '-N', '--attribute-timeout=0', '--entry-timeout=0', '--negative-timeout=0', '--fopen-keep-cache=false'];
    argv.push(`--volfile-server=${os.hostname()}`, `--volfile-id=${this.volume}`, `--log-file=${path.join(this.dir, `${name}.log`)}`, at);
    // The volume's bricks may still be starting: retry, bounded.
    for (let attempt = 0; ; attempt++) {
      const m = await Mount.start(this, at, argv);
      if (m) {
        this.mounts.push(m);
        return m;
      }
      if (attempt >= 20)
        throw new Error(`glusterfs could not mount ${this.volume} at ${at}: ${fs.readFileSync(path.join(this.dir, `${name}.log`), 'utf8').slice(-2000)}`);
      await delay(200);
    }
  }
}
