// The tests that run a process as another user (nobody, for permission errors root never
// sees) cannot reach a checkout in a private folder: a home directory is 0700, and the
// compiled entry point, its node_modules and our packages are all under it. So such a
// process runs a one-file bundle of its entry point, staged in a world-readable temp dir.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

let stageDir: string | undefined;
const staged = new Map<string, string>();

/** A copy of `entry` (a compiled .js and everything it requires, bundled) that any user can read and run. */
export function stagedForUser(entry: string): string {
  const known = staged.get(entry);
  if (known) return known;
  if (!stageDir) {
    stageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-staged-'));
    fs.chmodSync(stageDir, 0o755);
    const dir = stageDir;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const outfile = path.join(stageDir, `${staged.size}-${path.basename(entry)}`);
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['main', 'module'],
    logLevel: 'error',
  });
  fs.chmodSync(outfile, 0o644);
  staged.set(entry, outfile);
  return outfile;
}
