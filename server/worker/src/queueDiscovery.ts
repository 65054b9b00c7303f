import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FolderContents } from '@pacchettino/shared';
import { EXTRA_DIR } from 'pacchettino';
import { STATE_DIRS } from 'pacchettino/internal';

/**
 * Folders under the workspace that are queues, found without the user typing a path.
 * A queue tells itself by its state folders: queued/ and processing/ with success/ or
 * failed/ beside them (the original lays all of them out). The walk is asynchronous, so
 * the worker answers other requests meanwhile, and bounded: it never enters dot folders
 * (.git, .venv, …) or node_modules, stops DEPTH folders down, reads at most MAX_DIRS
 * folders in all, and does not look inside a queue it found.
 */
export const DISCOVERY = { depth: 4, maxDirs: 2000 } as const;

const SKIP = new Set(['node_modules', 'out', 'dist', 'build', 'target', '__pycache__']);

export async function discoverQueues(roots: readonly string[], limits: { depth: number; maxDirs: number } = DISCOVERY): Promise<string[]> {
  const found: string[] = [];
  let read = 0;
  let level = roots.map((r) => path.resolve(r));
  for (let depth = 0; depth <= limits.depth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (read++ >= limits.maxDirs) return found;
      const children = await subfolders(dir);
      if (hasQueueFolders(children)) {
        found.push(dir);
        continue;
      }
      for (const name of children) if (!name.startsWith('.') && !SKIP.has(name)) next.push(path.join(dir, name));
    }
    level = next;
  }
  return found;
}

function hasQueueFolders(children: string[]): boolean {
  const has = new Set(children);
  return has.has('queued') && has.has('processing') && (has.has('success') || has.has('failed'));
}

/** Names of the folders in `dir` (symlinks not followed: a link loop must not make the walk go round). */
async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return []; // unreadable or gone: nothing to offer there
  }
}

/** A queue's own entries: what adding a folder as a queue lays down (or finds already there). */
const OWN_ENTRIES = new Set<string>([...STATE_DIRS, EXTRA_DIR]);
/** Names an answer carries: enough to recognise the folder in a question, not a listing. */
const NAMES_SHOWN = 5;

/**
 * What a folder holds, for "Add Queue Folder…" to ask before it creates a missing folder or
 * lays state folders beside a user's files. One readdir, nothing created or changed.
 */
export async function folderContents(dir: string): Promise<FolderContents> {
  const none = { isQueue: false, others: [], otherCount: 0 };
  try {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    const others = entries.map((e) => e.name).filter((n) => !OWN_ENTRIES.has(n));
    others.sort();
    const isQueue = hasQueueFolders(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    return { exists: true, isDirectory: true, isQueue, others: others.slice(0, NAMES_SHOWN), otherCount: others.length };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { exists: false, isDirectory: false, ...none };
    if (code === 'ENOTDIR') return { exists: true, isDirectory: false, ...none };
    return { exists: true, isDirectory: true, error: `${dir} cannot be read (${code ?? String(err)})`, ...none };
  }
}
