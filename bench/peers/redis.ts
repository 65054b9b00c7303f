import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { exited } from '../child';
import { REDIS_SERVER } from './install';

/**
 * Debian's redis-server for BullMQ, a child of the bench on a loopback port, its files in a
 * scratch folder; stopped when the bench is done with it, or when the bench exits at all.
 * `durable` turns on the append-only file with an fsync before every reply (appendfsync always).
 */
export interface Redis {
  port: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port the kernel just had free on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(dir: string, durable: boolean): Promise<Redis> {
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--daemonize', 'no', '--logfile', ''];
  args.push(...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited ${code} before it was ready: ${out.slice(-2000)}`)));
  });
  child.stdout.resume(); // keep reading its log so it never blocks on a full pipe
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      running.delete(child);
    },
  };
}
