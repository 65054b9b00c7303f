import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Fresh queue folders for each measurement, under BENCH_DIR (default the OS temp dir;
 * the report states which file system that is).
 *
 * Why the care: ext4 without a journal (as on the bench machines) will not reuse an inode
 * freed in the last 60 s (300 s while its inode-table block is dirty) when allocating a
 * new one, and scans past each such inode from the start of the block group
 * (fs/ext4/ialloc.c, recently_deleted). Claiming a job makes a directory and finishing it
 * removes one, so a drain leaves thousands of such inodes behind, and the next
 * measurement's mkdirs in the same group would pay for them: 10,000 claims measured
 * 0.8 s on a quiet group and 4.5 s right after another drain. So the scratch root carries
 * the "top directory" flag (chattr +T), which makes ext4 place each measurement's folder
 * in a block group of its own, and nothing is removed until every figure is taken.
 * Within one measurement the cost of its own removed dirs stays: the protocol's mkdir and
 * rmdir per job pay it, for the floor and for us alike.
 */
export const scratchBase = path.resolve(process.env.BENCH_DIR ?? os.tmpdir());

let root: string | undefined;
export let spreadsGroups = false;

function scratchRoot(): string {
  if (root) return root;
  root = fs.mkdtempSync(path.join(scratchBase, 'pacchettino-bench-'));
  spreadsGroups = spawnSync('chattr', ['+T', root], { stdio: 'ignore' }).status === 0;
  return root;
}

export function scratchDir(label: string): string {
  return fs.mkdtempSync(path.join(scratchRoot(), `${label}-`));
}

/** Called once, after the last measurement. rm(1) is several times faster than a JS recursive remove. */
export function removeAllScratch(): void {
  if (root) spawnSync('rm', ['-rf', root], { stdio: 'inherit' });
  root = undefined;
}

/** Before each timed step: write back what the last one left dirty, so its writeback is not billed to this one. */
export function settle(): void {
  spawnSync('sync', [], { stdio: 'inherit' });
}
