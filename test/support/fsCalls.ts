/**
 * Counts calls of node's fs functions on paths of one folder, in this process, by wrapping
 * the real function: results are never changed, only counted. The core imports `node:fs`
 * through getters on the module object, so it calls the wrapper too.
 */
import fs from 'node:fs';
import * as path from 'node:path';

export interface CallCounter {
  /** Calls since the counter was made. */
  readonly count: number;
  /** Puts the real function back (call it in t.after). */
  restore(): void;
}

/** Listings of `dir` itself (readdirSync). */
export function countReaddirs(dir: string): CallCounter {
  const target = path.resolve(dir);
  return countCalls('readdirSync', (p) => p === target);
}

/** lstatSync of entries directly in `dir` (the index's lookups, a sort's or filter's facts). */
export function countLstats(dir: string): CallCounter {
  const target = path.resolve(dir);
  return countCalls('lstatSync', (p) => path.dirname(p) === target);
}

/** openSync of entries directly in `dir` (a record read, say). */
export function countOpens(dir: string): CallCounter {
  const target = path.resolve(dir);
  return countCalls('openSync', (p) => path.dirname(p) === target);
}

function countCalls(name: 'readdirSync' | 'lstatSync' | 'openSync', counts: (resolved: string) => boolean): CallCounter {
  const real = fs[name];
  let count = 0;
  const wrapper = function (this: unknown, p: fs.PathLike, ...rest: unknown[]) {
    if (counts(path.resolve(String(p)))) count++;
    return (real as (...a: unknown[]) => unknown).call(this, p, ...rest);
  };
  (fs as unknown as Record<string, unknown>)[name] = wrapper;
  return {
    get count() {
      return count;
    },
    restore() {
      if (fs[name] === (wrapper as unknown)) (fs as unknown as Record<string, unknown>)[name] = real;
    },
  };
}
