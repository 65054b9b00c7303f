/**
 * Copies a file to be sent into tmp/ by reading it to its end. fs.copyFileSync trusts the
 * size stat gives, and files whose size lies are common: /proc files say 0 bytes (the copy
 * was empty), /sys files say 4096 and hold a few (libuv's copy loop then spins forever), and
 * a file truncated while it is copied ends early. So the copy reads until EOF, stops at a
 * bound if the file keeps growing, and reports a size that disagreed.
 */
import * as fs from 'node:fs';
import { QueueError, errnoOf } from './errors';
import { fsPath } from './fsName';

/** How far past its stat size a file may grow while it is copied. */
export const MAX_GROWTH_BYTES = 64 * 1024 * 1024;

const CHUNK_BYTES = 1024 * 1024;

export interface Copied {
  bytes: number;
  /** The size stat gave when the copy began. */
  statSize: number;
}

/**
 * Copies `source` to a new file `dest` (O_EXCL). The source is opened once, without blocking
 * (a FIFO swapped in after the caller's stat must not hang us), and fstat'ed: what is copied
 * is the regular file that was opened. Throws QueueErrors the caller passes on.
 */
export function copyPayload(source: string, dest: string, durable: boolean): Copied {
  let src: number;
  try {
    src = fs.openSync(fsPath(source), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') throw new QueueError('FILE_NOT_FOUND', `File not found: ${source}`, { cause: err });
    throw new QueueError('UNREADABLE', `Cannot read ${source}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const st = fs.fstatSync(src);
    if (!st.isFile()) throw new QueueError('NOT_A_FILE', `Not a regular file: ${source} (only files can be sent; send a directory's files one by one)`);
    const bound = st.size + MAX_GROWTH_BYTES;
    const dst = fs.openSync(fsPath(dest), 'wx');
    try {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(st.size + 1, 64 * 1024)));
      let bytes = 0;
      for (;;) {
        const n = fs.readSync(src, buf, 0, buf.length, null);
        if (n === 0) break;
        bytes += n;
        if (bytes > bound) {
          throw new QueueError(
            'UNREADABLE',
            `${source} kept growing while it was copied (its size was ${st.size} bytes; stopped after ${bytes}): send it once it is complete`,
          );
        }
        for (let off = 0; off < n;) off += fs.writeSync(dst, buf, off, n - off);
      }
      if (durable) fs.fsyncSync(dst);
      return { bytes, statSize: st.size };
    } finally {
      fs.closeSync(dst);
    }
  } finally {
    fs.closeSync(src);
  }
}

/** The note for a copy whose length was not the size stat gave, or undefined. */
export function sizeNote(source: string, copied: Copied): string | undefined {
  if (copied.bytes === copied.statSize) return undefined;
  return `${source}: its size said ${copied.statSize} bytes; ${copied.bytes} bytes were copied, up to its end (a file of /proc or /sys, or one that changed while it was copied)`;
}
