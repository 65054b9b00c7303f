import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, errnoOf, fsFailure } from './errors';
import { newJobId } from './jobId';
import { checkBasename, dataJobName, fileJobName, scheduledName } from './jobName';
import { fsyncDirs, fsyncPath } from './durability';
import type { Layout } from './layout';

export interface SendOptions {
  /** Milliseconds before the job becomes due; 0 or absent queues it at once. */
  delay?: number;
}

export interface SendFileOptions extends SendOptions {
  /** Rename the file into the queue instead of copying it. */
  move?: boolean;
}

export interface SendContext {
  layout: Layout;
  durable: boolean;
}

/**
 * Step 1 writes the payload to tmp/<id>; step 2 renames it into queued/ (or scheduled/).
 * The rename is the commit point: a crash before it leaves only a tmp/ file that no
 * consumer lists; after it the job is complete.
 */
export function sendData(ctx: SendContext, data: string | Uint8Array, opts: SendOptions = {}): string {
  const id = newJobId();
  const tmp = path.join(ctx.layout.tmp, id);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
      if (ctx.durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fsFailure(`writing a data job to ${ctx.layout.tmp}`, err);
  }
  try {
    commit(ctx, tmp, dataJobName(id), opts.delay);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return id;
}

export function sendFile(ctx: SendContext, file: string, opts: SendFileOptions = {}): string {
  const source = path.resolve(file);
  const basename = path.basename(source);
  checkBasename(basename);
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') throw new QueueError('FILE_NOT_FOUND', `File not found: ${source}`, { cause: err });
    throw fsFailure(`reading ${source}`, err);
  }
  if (!st.isFile()) throw new QueueError('NOT_A_FILE', `Not a regular file: ${source} (only files can be sent; send a directory's files one by one)`);

  const id = newJobId();
  const name = fileJobName(id, basename);
  const tmp = path.join(ctx.layout.tmp, id);
  let moved = false;
  try {
    if (opts.move) {
      try {
        fs.renameSync(source, tmp);
        moved = true;
      } catch (err) {
        if (errnoOf(err) !== 'EXDEV') throw err; // another file system: copy, then remove the source below
      }
    }
    if (!moved) {
      try {
        fs.accessSync(source, fs.constants.R_OK);
      } catch (err) {
        throw new QueueError('UNREADABLE', `Cannot read ${source}: ${(err as Error).message}`, { cause: err });
      }
      fs.copyFileSync(source, tmp, fs.constants.COPYFILE_EXCL);
    }
    if (ctx.durable) fsyncPath(tmp);
  } catch (err) {
    if (moved) restore(tmp, source);
    else fs.rmSync(tmp, { force: true });
    throw fsFailure(`copying ${source} into ${ctx.layout.tmp}`, err);
  }
  try {
    commit(ctx, tmp, name, opts.delay);
  } catch (err) {
    if (moved) restore(tmp, source);
    else fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (opts.move && !moved) fs.rmSync(source, { force: true });
  return id;
}

function commit(ctx: SendContext, tmp: string, name: string, delay: number | undefined): void {
  const { layout } = ctx;
  const dest = delay && delay > 0 ? path.join(layout.scheduled, scheduledName(Date.now() + delay, name)) : path.join(layout.queued, name);
  try {
    fs.renameSync(tmp, dest);
  } catch (err) {
    throw fsFailure(`queueing ${name}`, err);
  }
  if (ctx.durable) fsyncDirs(layout.tmp, path.dirname(dest));
}

function restore(tmp: string, source: string): void {
  try {
    fs.renameSync(tmp, source);
  } catch {
    // The payload stays in tmp/ under its id, never lost; cleanup() reports it.
  }
}
