import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 exactly as the protocol writes it: 48-bit Unix ms, a 12-bit counter in
 * rand_a that restarts at 0 each new millisecond (so ids made in one process sort
 * in creation order), version 7, RFC variant, 62 random bits.
 */
let lastMs = -1;
let counter = 0;
const rnd = Buffer.alloc(8);

export function newJobId(now: number = Date.now()): string {
  let ms = now;
  if (ms > lastMs) {
    lastMs = ms;
    counter = 0;
  } else {
    // Same millisecond (or the clock stepped back): keep counting on the last
    // millisecond so ids stay monotonic; borrow the next one when 12 bits run out.
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      lastMs = ++ms;
      counter = 0;
    }
  }
  randomFillSync(rnd);
  const hex = ms.toString(16).padStart(12, '0');
  const randA = (0x7000 | counter).toString(16);
  const variant = ((rnd[0] & 0x3f) | 0x80).toString(16).padStart(2, '0') + rnd[1].toString(16).padStart(2, '0');
  const tail = rnd.subarray(2, 8).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${randA}-${variant}-${tail}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** When a job was sent, read from its UUIDv7 (undefined for ids that are not v7). */
export function sentAtOf(id: string): Date | undefined {
  if (!isUuid(id) || id[14] !== '7') return undefined;
  return new Date(parseInt(id.slice(0, 8) + id.slice(9, 13), 16));
}
