/**
 * Where every job of a queue is, read straight from the folders (no queue code): the
 * ground truth for "every sent job is in exactly one place".
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Place = 'queued' | 'scheduled' | 'processing' | 'success' | 'failed' | 'interrupted' | 'tmp';

export interface Census {
  /** Job name (or tmp/ entry) -> every place it was found; a sound queue has exactly one each. */
  places: Map<string, Place[]>;
  /** processing/ dirs with no payload: a claim cut short, or a finish cut before its rmdir. */
  emptyProcessing: string[];
  /** processing/ entries that are neither `<job>.<owner>` dirs nor file-form `raw-<id>.<owner>` claims. */
  strayProcessing: string[];
  /** tmp/owner-<token>: owner files of lock-mode consumers killed before they took their lock. */
  ownerStaging: string[];
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function takeCensus(base: string): Census {
  const places = new Map<string, Place[]>();
  const add = (name: string, place: Place) => {
    const p = places.get(name);
    if (p) p.push(place);
    else places.set(name, [place]);
  };
  const ownerStaging: string[] = [];
  for (const place of ['queued', 'success', 'failed', 'interrupted', 'tmp'] as const) {
    for (const n of list(path.join(base, place))) {
      if (place === 'tmp' && n.startsWith('owner-')) ownerStaging.push(n);
      else add(n, place);
    }
  }
  for (const n of list(path.join(base, 'scheduled'))) add(n.slice(n.indexOf('-') + 1), 'scheduled');
  const emptyProcessing: string[] = [];
  const strayProcessing: string[] = [];
  for (const n of list(path.join(base, 'processing'))) {
    const dot = n.lastIndexOf('.');
    const st = fs.lstatSync(path.join(base, 'processing', n));
    // A data job's claim in the file form: the payload itself, `raw-<id>.<owner>`.
    if (dot > 0 && st.isFile() && n.startsWith('raw-')) {
      add(n.slice(0, dot), 'processing');
      continue;
    }
    if (dot <= 0 || !st.isDirectory()) {
      strayProcessing.push(n);
      continue;
    }
    if (list(path.join(base, 'processing', n)).length === 0) emptyProcessing.push(n);
    else add(n.slice(0, dot), 'processing');
  }
  return { places, emptyProcessing, strayProcessing, ownerStaging };
}

/** The job names found in one place. */
export function namesIn(c: Census, place: Place): string[] {
  return [...c.places]
    .filter(([, p]) => p.includes(place))
    .map(([n]) => n)
    .sort();
}

/**
 * The chaos runs' verdict on the final folders: every job sent exactly once, in success/ or
 * interrupted/, with its payload intact. Returns the interrupted ones, for the caller to
 * compare with what its victims held.
 */
export function assertEachJobOnceFinished(census: Census, base: string, sent: ReadonlyMap<string, string>): Set<string> {
  const interrupted = new Set<string>();
  for (const [name, places] of census.places) {
    assert.ok(sent.has(name), `${name} in ${places.join(', ')} was never sent`);
    assert.equal(places.length, 1, `${name} is in ${places.join(' and ')}`);
    assert.ok(places[0] === 'success' || places[0] === 'interrupted', `${name} ended in ${places[0]}`);
    if (places[0] === 'interrupted') interrupted.add(name);
    assert.equal(fs.readFileSync(path.join(base, places[0], name), 'utf8'), sent.get(name), `${name}'s payload`);
  }
  return interrupted;
}
