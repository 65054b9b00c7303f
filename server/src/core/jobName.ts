import { QueueError } from './errors';
import { isUuid } from './jobId';
import { byteLengthOf } from './fsName';

/** The protocol's limit on a sent file's base name, in bytes. */
export const MAX_BASENAME_BYTES = 200;

export type JobKind = 'data' | 'file';

export interface ParsedJobName {
  name: string; // e.g. raw-<uuid> or fle-<uuid>-<basename>
  kind: JobKind;
  id: string; // the bare uuid (or whatever stands there in a hand-made name)
  basename: string | undefined; // file jobs only
}

export function dataJobName(id: string): string {
  return `raw-${id}`;
}

export function fileJobName(id: string, basename: string): string {
  checkBasename(basename);
  return `fle-${id}-${basename}`;
}

export function checkBasename(basename: string): void {
  const bytes = byteLengthOf(basename);
  if (bytes > MAX_BASENAME_BYTES) {
    throw new QueueError(
      'NAME_TOO_LONG',
      `File name is ${bytes} bytes; the queue protocol allows at most ${MAX_BASENAME_BYTES}: rename the file and send it again`,
    );
  }
  if (basename === '' || basename === '.' || basename === '..' || basename.includes('/') || basename.includes('\0')) {
    throw new QueueError('BAD_NAME', `Cannot send a file named ${JSON.stringify(basename)}`);
  }
}

/**
 * Reads a job name as the original does: fields 0..5 split on '-' are the prefix and the
 * five uuid groups, the rest is the basename. Names the original would ignore give undefined.
 */
export function parseJobName(name: string): ParsedJobName | undefined {
  const prefix = name.slice(0, 4);
  if (prefix === 'raw-') {
    const id = name.slice(4);
    return id ? { name, kind: 'data', id, basename: undefined } : undefined;
  }
  if (prefix !== 'fle-') return undefined;
  const uuidEnd = 4 + 36;
  if (isUuid(name.slice(4, uuidEnd)) && name[uuidEnd] === '-' && name.length > uuidEnd + 1) {
    return fileJob(name, name.slice(4, uuidEnd), name.slice(uuidEnd + 1));
  }
  // Hand-made names: keep the original's split rule so both sides agree on the basename.
  const parts = name.split('-');
  if (parts.length < 7) return undefined;
  return fileJob(name, parts.slice(1, 6).join('-'), parts.slice(6).join('-'));
}

/**
 * A file job, unless its basename is "." or "..": no send makes those (checkBasename), and
 * as the payload's name inside a processing dir they would name the dir itself or
 * processing/, so a name like `fle-<id>-..` dropped in queued/ is no job, only a stray.
 */
function fileJob(name: string, id: string, basename: string): ParsedJobName | undefined {
  if (basename === '.' || basename === '..') return undefined;
  return { name, kind: 'file', id, basename };
}

/** A `<due ms>-<job name>` entry of scheduled/. */
export function scheduledName(dueMs: number, jobName: string): string {
  return `${Math.max(0, Math.floor(dueMs))}-${jobName}`;
}

/** The latest time a Date can hold (ECMA-262: 8.64e15 ms after the epoch). */
const LATEST_DATE_MS = 8.64e15;

/**
 * A due time past what a Date holds (only a hand-made name has one: sends are bounded, see
 * bounds.ts) reads as the latest Date: still a scheduled job, counted and listed, never due,
 * and nothing that prints its due time throws "Invalid time value".
 */
export function parseScheduledName(entry: string): { due: number; job: ParsedJobName } | undefined {
  const dash = entry.indexOf('-');
  if (dash <= 0) return undefined;
  const dueText = entry.slice(0, dash);
  if (!/^\d+$/.test(dueText)) return undefined;
  const job = parseJobName(entry.slice(dash + 1));
  return job ? { due: Math.min(Number(dueText), LATEST_DATE_MS), job } : undefined;
}

/** A `<job name>.<owner>` dir of processing/: owner is a pid (digits) or a lock-file token. */
export function processingName(jobName: string, owner: string): string {
  return `${jobName}.${owner}`;
}

export function parseProcessingName(entry: string): { job: ParsedJobName; owner: string } | undefined {
  const dot = entry.lastIndexOf('.');
  if (dot <= 0 || dot === entry.length - 1) return undefined;
  const job = parseJobName(entry.slice(0, dot));
  return job ? { job, owner: entry.slice(dot + 1) } : undefined;
}

/** Where a claimed payload sits inside its processing dir. */
export function payloadNameOf(job: ParsedJobName): string {
  return job.kind === 'data' ? 'raw' : (job.basename as string);
}

/**
 * Accepts what users type: a bare uuid, a job name, or a name's uuid prefix.
 * Returns the text that a state folder entry must start with after its 4-char prefix.
 */
export function idKey(idOrName: string): string {
  const parsed = parseJobName(idOrName);
  const key = parsed ? parsed.id : idOrName;
  if (!key || key.includes('/') || key.includes('\0')) {
    throw new QueueError('BAD_NAME', `Not a job id or job name: ${JSON.stringify(idOrName)}`);
  }
  return key;
}
