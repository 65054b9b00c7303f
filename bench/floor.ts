import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The C floor (floor.c), built with the machine's cc at bench time into a temp dir. */
let binary: string | undefined;

export function compileFloor(): { cc: string; binary: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-floor-'));
  binary = path.join(dir, 'floor');
  const src = path.join(__dirname, '..', 'floor.c');
  execFileSync('cc', ['-O2', '-o', binary, src], { stdio: 'inherit' });
  const cc = execFileSync('cc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  return { cc, binary };
}

export interface FloorResult {
  ops: number;
  seconds: number;
  /** CPU seconds of the timed part, user and kernel */
  user: number;
  sys: number;
  /** seconds it was runnable but waiting for a CPU */
  runq: number;
}

/** The compiled floor's path, for running it elsewhere (on a simulated host). */
export function floorBinary(): string {
  if (!binary) throw new Error('compileFloor() first');
  return binary;
}

export function floor(...args: (string | number)[]): FloorResult {
  if (!binary) throw new Error('compileFloor() first');
  const out = execFileSync(binary, args.map(String), { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as FloorResult;
}

export function removeFloorBinary(): void {
  if (binary) fs.rmSync(path.dirname(binary), { recursive: true, force: true });
  binary = undefined;
}

/** Queued jobs with empty payloads, made at C speed: setup for the consumers' measurements. */
export function fillQueue(queue: string, n: number, bytes = 0): void {
  floor('fill', queue, n, bytes);
}
