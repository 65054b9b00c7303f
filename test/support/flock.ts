import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';

/** A real process holding an exclusive flock(2) on a file, as a live lock-file consumer does. */
export interface HeldLock {
  pid: number;
  release(): Promise<void>;
}

/** Takes the lock in a `flock` child; resolves once it is held (the child says so), not after a delay. */
export async function holdFlock(file: string): Promise<HeldLock> {
  const child = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [first] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => [undefined])])) as [Buffer | undefined];
  if (!first || !first.toString().startsWith('locked')) throw new Error(`flock on ${file} did not take the lock`);
  const exited = once(child, 'exit');
  return {
    pid: child.pid!,
    async release() {
      child.stdin.end(); // cat sees EOF, flock exits, the kernel drops the lock
      await exited;
    },
  };
}

/** Whether another process holds a flock on the file right now. */
export function isLocked(file: string): boolean {
  const r = spawnSync('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', '75', file, 'true']);
  if (r.error) throw r.error;
  return r.status === 75;
}

/**
 * Resolves once nobody holds a lock on the file: a blocking `flock` gets it (then drops it at once).
 * The lock of a killed process goes when its last holder exits, a moment after the kill.
 */
export async function waitForUnlock(file: string, timeoutMs = 10_000): Promise<void> {
  const child = spawn('flock', ['--exclusive', '--wait', String(timeoutMs / 1000), '--conflict-exit-code', '75', file, 'true'], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${file} still locked after ${timeoutMs} ms (flock exit ${code})`);
}
