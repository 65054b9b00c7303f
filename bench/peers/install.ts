import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The peers are the bench's to install, never `npm ci`'s: npm packages go into a cache folder
 * of their own (not the repo's node_modules, so no one else's install grows), Debian's into the
 * system when missing and we are root. When a peer cannot be had, the error says what to run.
 *
 * better-sqlite3 stays on 12.x: 13.x needs Node 22. With no prebuilt binary reachable it
 * compiles with node-gyp against Node's headers (npm's nodedir), which takes a minute once.
 */
export const PEERS_DIR = process.env.BENCH_PEERS_DIR ?? path.join(os.homedir(), '.cache', 'pacchettino', 'bench-peers');
const NPM_PEERS = ['bullmq@6', 'ioredis@5', 'better-sqlite3@12', 'plainjob@0.0.14'];
const APT_PEERS = ['redis-server', 'python3-dirq'];
/** Debian's python3-* packages are for Debian's python, not whatever `python3` on PATH is (a pyenv shim here). */
export const PYTHON = '/usr/bin/python3';
export const REDIS_SERVER = '/usr/bin/redis-server';

const npmCommand = `npm install --prefix ${PEERS_DIR} --no-audit --no-fund ${NPM_PEERS.join(' ')}`;
const aptCommand = `apt-get update && apt-get install -y ${APT_PEERS.join(' ')}`;

/** `require` as from the cache folder: the peers' own modules, resolved there. */
export const peerRequire = createRequire(path.join(PEERS_DIR, 'package.json'));

function npmPeersPresent(): boolean {
  try {
    for (const name of ['bullmq', 'ioredis', 'better-sqlite3', 'plainjob']) peerRequire.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function aptPeersPresent(): boolean {
  return fs.existsSync(REDIS_SERVER) && spawnSync(PYTHON, ['-c', 'import dirq.QueueSimple'], { stdio: 'ignore' }).status === 0;
}

function run(what: string, file: string, args: string[], hint: string): void {
  process.stdout.write(`[bench] installing the peers: ${file} ${args.join(' ')}\n`);
  try {
    execFileSync(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    throw new Error(`could not install ${what} (${(err as Error).message.split('\n')[0]}); run by hand:\n  ${hint}`, { cause: err });
  }
}

/** Installs what is missing (once: later runs find it in place); throws with the command to run when it cannot. */
export function ensurePeers(): void {
  if (!npmPeersPresent()) {
    try {
      fs.mkdirSync(PEERS_DIR, { recursive: true });
    } catch (err) {
      throw new Error(`cannot make ${PEERS_DIR} (${(err as Error).message}): set BENCH_PEERS_DIR to a folder the bench may write, or run:\n  ${npmCommand}`, {
        cause: err,
      });
    }
    run('the npm peers', 'npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', ...NPM_PEERS], npmCommand);
    if (!npmPeersPresent()) throw new Error(`the npm peers are still missing from ${PEERS_DIR}; run by hand:\n  ${npmCommand}`);
  }
  if (!aptPeersPresent()) {
    if (process.getuid?.() !== 0) throw new Error(`redis-server or python3-dirq is missing and the bench is not root; run:\n  sudo sh -c '${aptCommand}'`);
    run("Debian's peers", 'sh', ['-c', aptCommand], aptCommand);
    if (!aptPeersPresent()) throw new Error(`redis-server or python3-dirq is still missing; run:\n  ${aptCommand}`);
  }
}

/** The installed version of an npm peer, for the report. */
export function peerVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(peerRequire.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}

export function debianVersion(pkg: string): string {
  return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim();
}
