import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { childMain, exited, hrms, inChild } from './child';
import { floor } from './floor';
import { scratchDir, settle } from './scratch';
import { percentile } from './stats';

/** Sending: 10,000 data jobs of 256 B (plain and durable) and 1,000 files of 64 KiB. */
export const SEND_JOBS = 10_000;
export const DATA_BYTES = 256;
export const FILE_JOBS = 1_000;
export const FILE_BYTES = 64 * 1024;

type Kind = 'plain' | 'durable' | 'durableBulk' | 'file';

/** sendMany's chunk in the durable bulk figure, as the peers' bulk rows (BullMQ's addBulk, plainjob's addMany). */
export const BULK_CHUNK = 1_000;
interface Args {
  queue: string;
  kind: Kind;
  n: number;
  /** jobs queued/ holds afterwards (more than n when a queue is sent to in chunks) */
  total: number;
  source?: string;
}

/** In the child: send n jobs into the queue, timed from the first send to the last. */
async function sendInChild({ queue, kind, n, total, source }: Args): Promise<{ seconds: number }> {
  const q = new Pacchettino(queue, { durable: kind === 'durable' || kind === 'durableBulk' });
  const data = Buffer.alloc(DATA_BYTES, 'x');
  const t0 = hrms();
  if (kind === 'file') for (let i = 0; i < n; i++) q.sendFile(source!);
  else if (kind === 'durableBulk') for (let i = 0; i < n; i += BULK_CHUNK) await q.sendMany(Array.from({ length: Math.min(BULK_CHUNK, n - i) }, () => data));
  else for (let i = 0; i < n; i++) q.sendData(data);
  const seconds = (hrms() - t0) / 1000;
  if (fs.readdirSync(q.layout.queued).length !== total) throw new Error('not every job landed in queued/');
  return { seconds };
}

/**
 * One run of every send figure, the floor's and ours side by side; jobs per second.
 * - The short ones (10,000 plain sends take ~0.2 s) alternate floor and ours three times
 *   and keep the median of each, so a moment of other work does not decide the run.
 * - The durable one (~4 s a side, bound by the disk's fsync, whose speed drifts) sends its
 *   10,000 jobs in five chunks of 2,000, floor and ours alternating, each side into its own
 *   queue throughout (ours from a fresh process per chunk): both see the same disk.
 */
export async function measureSend(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const sourceDir = scratchDir('source');
  const source = path.join(sourceDir, 'payload.bin');
  fs.writeFileSync(source, Buffer.alloc(FILE_BYTES, 'y'));
  const cases: { kind: Kind; n: number; pairs: number; chunks: number; floorArgs: (q: string, n: number) => (string | number)[] }[] = [
    { kind: 'plain', n: SEND_JOBS, pairs: 3, chunks: 1, floorArgs: (q, n) => ['send', q, n, DATA_BYTES, 0] },
    { kind: 'durable', n: SEND_JOBS, pairs: 1, chunks: 5, floorArgs: (q, n) => ['send', q, n, DATA_BYTES, 1] },
    // The C floor has no bulk form: beside sendMany, its one-at-a-time durable sends again.
    { kind: 'durableBulk', n: SEND_JOBS, pairs: 1, chunks: 5, floorArgs: (q, n) => ['send', q, n, DATA_BYTES, 1] },
    { kind: 'file', n: FILE_JOBS, pairs: 3, chunks: 1, floorArgs: (q, n) => ['sendfile', q, n, source] },
  ];
  for (const c of cases) {
    const floors: number[] = [];
    const ours: number[] = [];
    const chunk = c.n / c.chunks;
    for (let i = 0; i < c.pairs; i++) {
      const floorDir = scratchDir(`floor-send-${c.kind}`);
      const ourDir = scratchDir(`send-${c.kind}`);
      let floorSeconds = 0;
      let ourSeconds = 0;
      for (let k = 1; k <= c.chunks; k++) {
        settle();
        floorSeconds += floor(...c.floorArgs(floorDir, chunk)).seconds;
        settle();
        ourSeconds += (await inChild<{ seconds: number }>('send', { queue: ourDir, kind: c.kind, n: chunk, total: chunk * k, source })).seconds;
      }
      floors.push(c.n / floorSeconds);
      ours.push(c.n / ourSeconds);
    }
    out[`floor.send.${c.kind}`] = percentile(floors, 50);
    out[`send.${c.kind}`] = percentile(ours, 50);
  }
  Object.assign(out, await measureCliStdin());
  return out;
}

// The bin npm links, as a user runs it.
const CLI = path.join(__dirname, '..', '..', 'server', 'bin', 'pacchettino.js');

/**
 * `pacchettino send <q> --stdin < lines` with SEND_JOBS lines of DATA_BYTES, timed from
 * spawning the CLI to its exit (Node's start-up in it), beside the library's sendData of
 * the same jobs; three pairs alternating, medians kept.
 */
async function measureCliStdin(): Promise<Record<string, number>> {
  const inputDir = scratchDir('cli-stdin-input');
  const input = path.join(inputDir, 'lines.txt');
  fs.writeFileSync(input, (DATA_BYTES > 0 ? 'x'.repeat(DATA_BYTES) + '\n' : '\n').repeat(SEND_JOBS));
  const lib: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < 3; i++) {
    settle();
    const libDir = scratchDir('send-beside-cli');
    lib.push(SEND_JOBS / (await inChild<{ seconds: number }>('send', { queue: libDir, kind: 'plain', n: SEND_JOBS, total: SEND_JOBS })).seconds);
    settle();
    const dir = scratchDir('cli-stdin');
    const fd = fs.openSync(input, 'r');
    const t0 = hrms();
    const child = spawn(process.execPath, [CLI, 'send', dir, '--stdin'], { stdio: [fd, 'ignore', 'pipe'] });
    fs.closeSync(fd);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await exited(child);
    const seconds = (hrms() - t0) / 1000;
    const queued = fs.readdirSync(path.join(dir, 'queued')).length;
    if (code !== 0 || queued !== SEND_JOBS) throw new Error(`send --stdin exited ${code} with ${queued} of ${SEND_JOBS} jobs queued: ${stderr}`);
    cli.push(SEND_JOBS / seconds);
  }
  return { 'send.plainBeside': percentile(lib, 50), 'send.cliStdin': percentile(cli, 50) };
}

childMain(module, sendInChild);
