import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  cc: string;
  scratch: string;
  /** whether the scratch folders are on the repository's file system */
  scratchOnRepoFileSystem: boolean;
  device: string;
  fileSystem: string;
  mountOptions: string;
  /** ext4: whether it has a journal (the bench machines' root has none) */
  journal?: boolean;
  /** 1, 5 and 15 minute load averages when the bench started: other work on the machine skews every figure */
  loadAtStart: number[];
  loadAtEnd?: number[];
}

/** The mount that holds `dir`: the longest mount point in /proc/mounts that is a prefix of it. */
function mountOf(dir: string): { device: string; point: string; type: string; options: string } {
  const real = fs.realpathSync(dir);
  let best = { device: '?', point: '', type: '?', options: '' };
  for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [device, point, type, options] = line.split(' ');
    if (!point) continue;
    const inside = point === '/' || real === point || real.startsWith(point + '/');
    if (inside && point.length >= best.point.length) best = { device, point, type, options };
  }
  return best;
}

function ext4Journal(device: string): boolean | undefined {
  try {
    return fs.readFileSync(path.join('/sys/fs/ext4', path.basename(device), 'journal_task'), 'utf8').trim() !== '<none>';
  } catch {
    return undefined;
  }
}

export function describeMachine(scratch: string, cc: string): Machine {
  const m = mountOf(scratch);
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    cc,
    scratch,
    scratchOnRepoFileSystem: fs.statSync(scratch).dev === fs.statSync(path.join(__dirname, '..', '..')).dev,
    device: m.device,
    fileSystem: m.type,
    mountOptions: m.options,
    journal: m.type === 'ext4' ? ext4Journal(m.device) : undefined,
    loadAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function gitRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
