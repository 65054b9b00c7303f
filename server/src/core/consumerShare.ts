import * as fs from 'node:fs';
import { registrationName } from './consumers';
import type { Layout } from './layout';

/**
 * Which part of queued/ a consumer takes first once others are taking jobs too: the names
 * whose hash is its place among the registered consumers (.pacchettino/consumers/, sorted),
 * modulo their number. Consumers that agree on the registrations take disjoint parts, as the
 * floor's C processes do, instead of each walking every name and looking up the ones another
 * took. It is only an order: every claim is still the rename that only one consumer wins, so a
 * stale registration (a part nobody takes first) or one missing (two consumers on one part)
 * costs lost claims, never a job.
 */
export interface Share {
  count: number;
  index: number;
}

/** Ours, when this process is registered and not alone. */
export function ownShare(layout: Layout): Share | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(layout.consumers);
  } catch {
    return undefined; // no registrations to go by: take any name
  }
  const registered = names.filter((n) => n.endsWith('.json')).sort();
  const index = registered.indexOf(registrationName());
  return registered.length > 1 && index >= 0 ? { count: registered.length, index } : undefined;
}

/** Whether `name` is in `share`: FNV-1a of the name, so every consumer reckons the same part. */
export function inShare(name: string, share: Share): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % share.count === share.index;
}
