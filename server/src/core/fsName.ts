/**
 * File names are bytes; JavaScript strings are UTF-16. Node decodes every name it lists as
 * UTF-8, so a name that is not valid UTF-8 (a Latin-1 `caf\xe9.txt`) comes back with U+FFFD
 * in place of its bytes and names no file. The queue keeps such names as strings anyway,
 * losslessly, the way Python does (PEP 383, "surrogateescape"): each byte that is not part of
 * valid UTF-8 becomes the lone surrogate U+DC00 + byte. No valid UTF-8 decodes to a lone
 * surrogate, so the mapping is one-to-one, and names that are valid UTF-8 (all names, nearly
 * always) are the very strings Node gives. Every fs call on a job's path goes through
 * fsPath(), which turns such a string back into the bytes.
 */
import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { errnoOf } from './errors';

const ESCAPED_BYTE = /[\udc80-\udcff]/;

/** A listed name (bytes) as the queue's string: UTF-8 as is, other bytes escaped. */
export function nameFromBytes(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = utf8SequenceAt(bytes, i);
    if (n > 0) {
      out += bytes.toString('utf8', i, i + n);
      i += n;
    } else {
      out += String.fromCharCode(0xdc00 + bytes[i]);
      i++;
    }
  }
  return out;
}

/** The path as fs takes it: the string itself, or the bytes when it holds escaped ones. */
export function fsPath(p: string): string | Buffer {
  if (!ESCAPED_BYTE.test(p)) return p;
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of p) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xdc80 && c <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.of(c - 0xdc00));
    } else run += ch;
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** A path given as bytes or as a string, as the queue's string. */
export function pathFromInput(p: string | Buffer): string {
  return typeof p === 'string' ? p : nameFromBytes(p);
}

/** How many bytes a name takes on disk. */
export function byteLengthOf(name: string): number {
  const p = fsPath(name);
  return typeof p === 'string' ? Buffer.byteLength(p) : p.length;
}

/** Whether the name holds bytes that are not UTF-8. */
export function hasEscapedBytes(name: string): boolean {
  return ESCAPED_BYTE.test(name);
}

/** For people (CLI lines, messages): each byte that is not UTF-8 as `\xHH`. */
export function displayName(name: string): string {
  if (!ESCAPED_BYTE.test(name)) return name;
  return name.replace(/[\udc80-\udcff]/g, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).padStart(2, '0')}`);
}

/**
 * A folder's entry names, bytes kept. Listing as strings is Node's fast path; only when a
 * name came back with U+FFFD (a byte that was not UTF-8, or a real U+FFFD) is the folder
 * listed again as bytes.
 */
export function listNames(dir: string): string[] {
  const names = fs.readdirSync(fsPath(dir));
  if (!names.some((n) => n.includes('\ufffd'))) return names;
  return fs.readdirSync(fsPath(dir), { encoding: 'buffer' }).map(nameFromBytes);
}

/** Whether a queue path names an entry (lstat: a link counts as itself); absent, too long a name or a file in its path mean no. */
export function entryExists(p: string): boolean {
  try {
    fs.lstatSync(fsPath(p));
    return true;
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENAMETOOLONG' || code === 'ENOTDIR') return false;
    throw err;
  }
}

/** As listNames, with each entry's type (d_type) beside its name. */
export function listEntries(dir: string): { name: string; entry: fs.Dirent }[] {
  const entries = fs.readdirSync(fsPath(dir), { withFileTypes: true });
  if (!entries.some((e) => e.name.includes('\ufffd'))) return entries.map((entry) => ({ name: entry.name, entry }));
  return fs.readdirSync(fsPath(dir), { withFileTypes: true, encoding: 'buffer' }).map((entry) => ({
    name: nameFromBytes(entry.name as unknown as Buffer),
    entry: entry as unknown as fs.Dirent,
  }));
}

/** Length of the valid UTF-8 sequence starting at i, or 0 if there is none. */
function utf8SequenceAt(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || i + n > b.length) return 0;
  return isUtf8(b.subarray(i, i + n)) ? n : 0;
}
