/**
 * Counts calls of node's fs.readdirSync on one folder, in this process, by wrapping the
 * real function: results are never changed, only counted. The core imports `node:fs`
 * through getters on the module object, so it calls the wrapper too.
 */
import fs from 'node:fs';
import * as path from 'node:path';

export interface ReaddirCounter {
  /** Listings of the folder since the counter was made. */
  readonly count: number;
  /** Puts the real function back (call it in t.after). */
  restore(): void;
}

export function countReaddirs(dir: string): ReaddirCounter {
  const real = fs.readdirSync;
  const target = path.resolve(dir);
  let count = 0;
  const wrapper = function (this: unknown, p: fs.PathLike, ...rest: unknown[]) {
    if (path.resolve(String(p)) === target) count++;
    return (real as (...a: unknown[]) => unknown).call(this, p, ...rest);
  };
  fs.readdirSync = wrapper as typeof fs.readdirSync;
  return {
    get count() {
      return count;
    },
    restore() {
      if (fs.readdirSync === (wrapper as unknown)) fs.readdirSync = real;
    },
  };
}
