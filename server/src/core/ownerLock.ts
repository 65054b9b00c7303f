import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { QueueError } from './errors';

/**
 * Lock-file crash detection: this process names its processing dirs `<job>.<token>` and
 * holds an flock on owners/<token> for as long as it lives.
 *
 * Node has no flock, and a native addon would have to match the ABI of VS Code's own
 * runtime, so the lock is held by a util-linux `flock` child whose stdin is a pipe from
 * us: when we die, even by SIGKILL, the pipe closes, the child exits and the kernel
 * drops the lock. Tokens start with a letter so the original's pid mode leaves them alone.
 */
export class OwnerLock {
  private constructor(readonly token: string, readonly file: string, private child: ChildProcess | undefined) {}

  static async acquire(ownersDir: string): Promise<OwnerLock> {
    const token = `lock${randomBytes(8).toString('hex')}`;
    const file = path.join(ownersDir, token);
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    const child = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => reject(new QueueError('IO', `Cannot hold the owner lock ${file}: ${why} (is util-linux flock installed?)`));
      child.once('error', (err) => fail(err.message));
      child.once('exit', (code) => fail(`flock exited with ${code}`));
      child.stdout!.once('data', () => resolve());
    });
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
    child.on('error', () => undefined);
    // The lock must not keep the process alive on its own.
    child.unref();
    (child.stdin as unknown as { unref(): void }).unref();
    (child.stdout as unknown as { unref(): void }).unref();
    return new OwnerLock(token, file, child);
  }

  release(): void {
    if (!this.child) return;
    this.child.stdin?.end();
    this.child.kill();
    this.child = undefined;
    fs.rmSync(this.file, { force: true });
  }
}
