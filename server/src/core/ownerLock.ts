import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { QueueError } from './errors';
import { selfIdentity } from './hostIdentity';
import { Heartbeat, encodeOwnerFile } from './ownerLease';
import type { Layout } from './layout';

/**
 * A token owner: this process names its processing dirs `<job>.<token>`, holds an flock on
 * owners/<token> for as long as it lives, and keeps the file's lease fresh (ownerLease.ts).
 * The file says who we are (host, boot, PID namespace, pid, start tick), so a consumer that
 * shares our process table judges us by it, and one on another host by the lease.
 *
 * Node has no flock, and a native addon would have to match the ABI of VS Code's own
 * runtime, so the lock is held by a util-linux `flock` child whose stdin is a pipe from
 * us: when we die, even by SIGKILL, the pipe closes, the child exits and the kernel
 * drops the lock. The child is in a session of its own, so Ctrl-C in a terminal or a
 * SIGTERM to our process group (systemd, a VS Code task) leaves it holding the lock while
 * the jobs in hand finish. Should it die anyway, `lost` turns true: the queue claims
 * nothing more under this token (its jobs in hand may be taken, and find out when filed).
 *
 * The token is the original's: 10 chars of [0-9a-z] starting with a letter, so the
 * original recognises our claims (and a 200-byte file name still fits in NAME_MAX as
 * `fle-<uuid>-<name>.<token>`), and its pid mode never takes it for a pid.
 * The owner file is made and locked in tmp/, then renamed into owners/: the original
 * deletes an owner file it can lock at once, so it must never be seen there unlocked.
 */
export class OwnerLock {
  private holderGone = false;

  private constructor(
    readonly token: string,
    readonly file: string,
    private child: ChildProcess | undefined,
    private readonly heartbeat: Heartbeat,
  ) {
    child?.once('exit', () => (this.holderGone = true));
  }

  static async acquire(layout: Pick<Layout, 'tmp' | 'owners'>, leaseMs: number): Promise<OwnerLock> {
    const token = newOwnerToken();
    const staging = path.join(layout.tmp, `owner-${token}`);
    const file = path.join(layout.owners, token);
    const content = { v: 1 as const, ...selfIdentity(), leaseMs, beat: 0 };
    fs.writeFileSync(staging, encodeOwnerFile(content), { flag: 'wx' });
    const child = spawn('flock', ['--exclusive', staging, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (why: string) => reject(new QueueError('IO', `Cannot hold the owner lock ${file}: ${why} (is util-linux flock installed?)`));
        child.once('error', (err) => fail(err.message));
        child.once('exit', (code) => fail(`flock exited with ${code}`));
        child.stdout.once('data', () => resolve());
      });
      // The commit point: the file appears in owners/ already locked (rename keeps the inode, and the lock with it).
      fs.renameSync(staging, file);
    } catch (err) {
      child.kill();
      fs.rmSync(staging, { force: true });
      throw err;
    }
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
    child.on('error', () => undefined);
    // The lock must not keep the process alive on its own.
    child.unref();
    (child.stdin as unknown as { unref(): void }).unref();
    (child.stdout as unknown as { unref(): void }).unref();
    return new OwnerLock(token, file, child, new Heartbeat(file, content));
  }

  /** Claim nothing more under this token: its lock holder died, or another host took us for dead. */
  get lost(): boolean {
    return this.holderGone || this.heartbeat.lost;
  }

  /** The lease could not be renewed for half a lease: wait before claiming (see Heartbeat). */
  get fenced(): boolean {
    return this.lost || this.heartbeat.fenced;
  }

  /** A sign of life from a job in hand: renews the lease now if a renewal is due (Heartbeat.touch). */
  touch(): void {
    this.heartbeat.touch();
  }

  release(): void {
    this.heartbeat.stop();
    if (!this.child) return;
    // Unlink while still locked, as the original does: nobody sees the file free meanwhile.
    try {
      fs.rmSync(this.file, { force: true });
    } catch {
      // A mount cut off: the file stays; its lease stands still, so sweeps judge it dead.
    }
    this.child.stdin?.end();
    this.child.kill();
    this.child = undefined;
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const CHARS = '0123456789' + LETTERS;

/** A token as the original makes them (see OWNER_TOKEN in ownerLiveness). */
export function newOwnerToken(): string {
  const r = randomBytes(10);
  let token = LETTERS[r[0] % LETTERS.length];
  for (let i = 1; i < 10; i++) token += CHARS[r[i] % CHARS.length];
  return token;
}
