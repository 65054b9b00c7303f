import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh empty directory under the OS temp dir, removed when the test ends, pass or fail. */
export function scratchDir(t: TestContext, label = 'test'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pacchettino-${label}-`));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A queue path that does not exist yet (opening the queue creates it), inside a scratch dir. */
export function queuePath(t: TestContext, label = 'queue'): string {
  return path.join(scratchDir(t, label), 'q');
}

/** A scratch dir for the test's own files (handlers, logs) and the path of a queue inside it, not created yet. */
export function scratchQueue(t: TestContext, label = 'queue'): { dir: string; q: string } {
  const dir = scratchDir(t, label);
  return { dir, q: path.join(dir, 'q') };
}

/** Sorted entry names of a folder; [] when it does not exist. */
export function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
