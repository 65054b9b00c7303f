/**
 * Copies a file to be sent into tmp/ by reading it to its end. fs.copyFileSync trusts the
 * size stat gives, and files whose size lies are common: /proc files say 0 bytes (the copy
 * was empty), /sys files say 4096 and hold a few (libuv's copy loop then spins forever), and
 * a file truncated while it is copied ends early. So the copy reads until EOF, stops at a
 * bound if the file keeps growing, and reports a size that disagreed.
 *
 * Two loops over the same rules: copyPayload blocks (the CLI, sendFile), copyPayloadAsync
 * yields between chunks (the worker, sendFileAsync), so a 1 GB file does not stop a process
 * that answers other requests meanwhile, and it can be cancelled between two chunks.
 */
import * as fs from 'node:fs';
import { QueueError, errnoOf } from './errors';
import { fsPath } from './fsName';

/** How far past its stat size a file may grow while it is copied. */
export const MAX_GROWTH_BYTES = 64 * 1024 * 1024;

const CHUNK_BYTES = 1024 * 1024;

// Without blocking: a FIFO swapped in after the caller's stat must not hang us.
const SOURCE_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

export interface Copied {
  bytes: number;
  /** The size stat gave when the copy began. */
  statSize: number;
}

export interface CopyOptions {
  /** Aborting stops the copy before its next chunk; the caller removes what was written. */
  signal?: AbortSignal;
  /** Told after each chunk: bytes copied so far, and the size stat gave. */
  onProgress?(bytes: number, statSize: number): void;
}

/**
 * Copies `source` to a new file `dest` (O_EXCL). The source is opened once and fstat'ed:
 * what is copied is the regular file that was opened. Throws QueueErrors the caller passes on.
 */
export function copyPayload(source: string, dest: string, durable: boolean): Copied {
  const src = openSource(source);
  try {
    const statSize = sourceSize(source, fs.fstatSync(src));
    const dst = fs.openSync(fsPath(dest), 'wx');
    try {
      const buf = chunkBuffer(statSize);
      let bytes = 0;
      for (;;) {
        const n = fs.readSync(src, buf, 0, buf.length, null);
        if (n === 0) break;
        bytes = checkGrowth(source, statSize, bytes + n);
        for (let off = 0; off < n;) off += fs.writeSync(dst, buf, off, n - off);
      }
      if (durable) fs.fsyncSync(dst);
      return { bytes, statSize };
    } finally {
      fs.closeSync(dst);
    }
  } finally {
    fs.closeSync(src);
  }
}

/** copyPayload, each read and write on libuv's thread pool; rejects with the signal's AbortError once aborted. */
export async function copyPayloadAsync(source: string, dest: string, durable: boolean, opts: CopyOptions = {}): Promise<Copied> {
  opts.signal?.throwIfAborted();
  const src = await fs.promises.open(fsPath(source), SOURCE_FLAGS).catch((err: unknown) => {
    throw sourceError(source, err);
  });
  try {
    const statSize = sourceSize(source, await src.stat());
    const dst = await fs.promises.open(fsPath(dest), 'wx');
    try {
      const buf = chunkBuffer(statSize);
      let bytes = 0;
      for (;;) {
        opts.signal?.throwIfAborted();
        const { bytesRead: n } = await src.read(buf, 0, buf.length, null);
        if (n === 0) break;
        bytes = checkGrowth(source, statSize, bytes + n);
        for (let off = 0; off < n;) off += (await dst.write(buf, off, n - off)).bytesWritten;
        opts.onProgress?.(bytes, statSize);
      }
      if (durable) await dst.sync();
      return { bytes, statSize };
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

function openSource(source: string): number {
  try {
    return fs.openSync(fsPath(source), SOURCE_FLAGS);
  } catch (err) {
    throw sourceError(source, err);
  }
}

function sourceError(source: string, err: unknown): QueueError {
  if (errnoOf(err) === 'ENOENT') return new QueueError('FILE_NOT_FOUND', `File not found: ${source}`, { cause: err });
  return new QueueError('UNREADABLE', `Cannot read ${source}: ${(err as Error).message}`, { cause: err });
}

/** The size stat gives, once the opened source is known to be a regular file. */
function sourceSize(source: string, st: fs.Stats): number {
  if (!st.isFile()) throw new QueueError('NOT_A_FILE', `Not a regular file: ${source} (only files can be sent; send a directory's files one by one)`);
  return st.size;
}

function chunkBuffer(statSize: number): Buffer {
  return Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(statSize + 1, 64 * 1024)));
}

/** `bytes` copied so far, unless the file grew past its bound while it was copied. */
function checkGrowth(source: string, statSize: number, bytes: number): number {
  if (bytes > statSize + MAX_GROWTH_BYTES) {
    throw new QueueError(
      'UNREADABLE',
      `${source} kept growing while it was copied (its size was ${statSize} bytes; stopped after ${bytes}): send it once it is complete`,
    );
  }
  return bytes;
}

/** The note for a copy whose length was not the size stat gave, or undefined. */
export function sizeNote(source: string, copied: Copied): string | undefined {
  if (copied.bytes === copied.statSize) return undefined;
  return `${source}: its size said ${copied.statSize} bytes; ${copied.bytes} bytes were copied, up to its end (a file of /proc or /sys, or one that changed while it was copied)`;
}
