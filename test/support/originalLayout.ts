/**
 * Queue folders laid out by hand, byte for byte as the original D library writes them
 * (see shared/FORMAT.md), without any of this project's code: a test built on these
 * proves that we read what the original leaves on disk, not merely what we write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The folders the original's constructor makes (mkdirRecurse each); owners/ comes with its lock-file mode. */
export const ORIGINAL_DIRS = ['failed', 'success', 'queued', 'tmp', 'processing', 'interrupted', 'scheduled'] as const;

export function layOutQueue(base: string): void {
  for (const d of ORIGINAL_DIRS) fs.mkdirSync(path.join(base, d), { recursive: true });
}

/** A UUIDv7 as the original makes it: 48-bit ms, 12-bit counter in rand_a, version 7, RFC variant, random rest. */
export function uuidV7(ms: number, counter = 0): string {
  const r = randomBytes(8);
  const hex = ms.toString(16).padStart(12, '0');
  const randA = (0x7000 | (counter & 0xfff)).toString(16);
  const variant = (((r[0] & 0x3f) | 0x80) * 256 + r[1]).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8)}-${randA}-${variant}-${r.subarray(2).toString('hex')}`;
}

/** A lock-file owner token as the original makes it: 10 chars of [0-9a-z], the first a letter. */
export function originalToken(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const chars = '0123456789' + letters;
  const r = randomBytes(10);
  let token = letters[r[0] % letters.length];
  for (let i = 1; i < 10; i++) token += chars[r[i] % chars.length];
  return token;
}

/** sendData: tmp/<id>, then renamed to queued/raw-<id>. Returns the job name. */
export function writeQueuedData(base: string, id: string, data: string | Uint8Array): string {
  const name = `raw-${id}`;
  const tmp = path.join(base, 'tmp', id);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, path.join(base, 'queued', name));
  return name;
}

/** sendFile (copy): tmp/<id>, then renamed to queued/fle-<id>-<basename>. Returns the job name. */
export function writeQueuedFile(base: string, id: string, basename: string, data: string | Uint8Array): string {
  const name = `fle-${id}-${basename}`;
  const tmp = path.join(base, 'tmp', id);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, path.join(base, 'queued', name));
  return name;
}

/** A delayed send: scheduled/<due ms, 13 digits zero padded>-<job name>. Returns the entry name. */
export function writeScheduled(base: string, dueMs: number, jobName: string, data: string | Uint8Array): string {
  const entry = `${String(dueMs).padStart(13, '0')}-${jobName}`;
  const tmp = path.join(base, 'tmp', `sched-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, path.join(base, 'scheduled', entry));
  return entry;
}

/** The payload's name inside a processing dir: `raw` for data jobs, the original basename for file jobs. */
export function payloadName(jobName: string): string {
  return jobName.startsWith('raw-') ? 'raw' : jobName.split('-').slice(6).join('-');
}

/**
 * A job a consumer had claimed: processing/<job name>.<owner>/(raw | <basename>), where the
 * owner is a pid or a lock-file token. Returns the processing dir.
 */
export function writeProcessing(base: string, jobName: string, owner: string | number, data: string | Uint8Array): string {
  const dir = path.join(base, 'processing', `${jobName}.${owner}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, payloadName(jobName)), data);
  return dir;
}

/**
 * A lock-file consumer's owners/<token> (empty, 0644). The original creates it in tmp/ and renames
 * it into owners/ already locked; this writes it unlocked, as a consumer that died leaves it.
 * Lock it with holdFlock() to stand for a live consumer. Returns the file's path.
 */
export function writeOwnerFile(base: string, token: string): string {
  fs.mkdirSync(path.join(base, 'owners'), { recursive: true });
  const tmp = path.join(base, 'tmp', `owner-${token}`);
  fs.writeFileSync(tmp, '', { mode: 0o644 });
  const file = path.join(base, 'owners', token);
  fs.renameSync(tmp, file);
  return file;
}
