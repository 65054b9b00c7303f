import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { childMain, hrms, inChild } from './child';
import { floor } from './floor';
import { scratchDir, settle } from './scratch';
import { percentile } from './stats';

/** Sending: 10,000 data jobs of 256 B (plain and durable) and 1,000 files of 64 KiB. */
export const SEND_JOBS = 10_000;
export const DATA_BYTES = 256;
export const FILE_JOBS = 1_000;
export const FILE_BYTES = 64 * 1024;

type Kind = 'plain' | 'durable' | 'file';
interface Args {
  queue: string;
  kind: Kind;
  n: number;
  source?: string;
}

/** In the child: send n jobs into a fresh queue, timed from the first send to the last. */
async function sendInChild({ queue, kind, n, source }: Args): Promise<{ seconds: number }> {
  const q = new Pacchettino(queue, { durable: kind === 'durable' });
  const data = Buffer.alloc(DATA_BYTES, 'x');
  const t0 = hrms();
  if (kind === 'file') for (let i = 0; i < n; i++) q.sendFile(source!);
  else for (let i = 0; i < n; i++) q.sendData(data);
  const seconds = (hrms() - t0) / 1000;
  if (fs.readdirSync(q.layout.queued).length !== n) throw new Error('not every job landed in queued/');
  return { seconds };
}

/** One run of every send figure, the floor's and ours side by side; jobs per second. */
/**
 * One run of every send figure, the floor's and ours side by side; jobs per second. The
 * short ones (10,000 plain sends take ~0.2 s) alternate floor and ours three times and keep
 * the median of each, so a moment of other work on the machine does not decide the run.
 */
export async function measureSend(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const sourceDir = scratchDir('source');
  const source = path.join(sourceDir, 'payload.bin');
  fs.writeFileSync(source, Buffer.alloc(FILE_BYTES, 'y'));
  const cases: { kind: Kind; n: number; pairs: number; floorArgs: (q: string) => (string | number)[] }[] = [
    { kind: 'plain', n: SEND_JOBS, pairs: 3, floorArgs: (q) => ['send', q, SEND_JOBS, DATA_BYTES, 0] },
    { kind: 'durable', n: SEND_JOBS, pairs: 1, floorArgs: (q) => ['send', q, SEND_JOBS, DATA_BYTES, 1] },
    { kind: 'file', n: FILE_JOBS, pairs: 3, floorArgs: (q) => ['sendfile', q, FILE_JOBS, source] },
  ];
  for (const c of cases) {
    const floors: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < c.pairs; i++) {
      let dir = scratchDir(`floor-send-${c.kind}`);
      settle();
      const f = floor(...c.floorArgs(dir));
      floors.push(f.ops / f.seconds);

      dir = scratchDir(`send-${c.kind}`);
      settle();
      const r = await inChild<{ seconds: number }>('send', { queue: dir, kind: c.kind, n: c.n, source });
      ours.push(c.n / r.seconds);
    }
    out[`floor.send.${c.kind}`] = percentile(floors, 50);
    out[`send.${c.kind}`] = percentile(ours, 50);
  }
  return out;
}

childMain(module, sendInChild);
