import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, errnoOf, fsFailure } from './errors';
import { BOUNDS, checkBound } from './bounds';
import { newJobId } from './jobId';
import { checkBasename, dataJobName, fileJobName, scheduledName } from './jobName';
import { fsyncDirs, fsyncPath } from './durability';
import { checkRealDir, entryPath, type Layout } from './layout';
import { displayName, fsPath, pathFromInput } from './fsName';
import { copyPayload, copyPayloadAsync, sizeNote, type Copied, type CopyOptions } from './copyPayload';

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
  /** Told what a send did that the caller did not ask for (a file whose size lied, copied to its end). */
  warn?(err: QueueError): void;
}

/**
 * Step 1 writes the payload to tmp/<id>; step 2 renames it into queued/ (or scheduled/).
 * The rename is the commit point: a crash before it leaves only a tmp/ file that no
 * consumer lists; after it the job is complete.
 */
export function sendData(ctx: SendContext, data: string | Uint8Array, opts: SendOptions = {}): string {
  checkDelay(opts.delay);
  const id = newJobId();
  checkOwnFolders(ctx, opts.delay);
  const tmp = entryPath(ctx.layout.tmp, id);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    const fd = writeNew(tmp, bytes);
    try {
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

/** Creates `file` (O_EXCL) holding `bytes`; returns its descriptor, still open (for an fsync). */
export function writeNew(file: string, bytes: Uint8Array): number {
  const fd = fs.openSync(file, 'wx');
  try {
    for (let off = 0; off < bytes.length;) off += fs.writeSync(fd, bytes, off, bytes.length - off);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

export function sendFile(ctx: SendContext, file: string | Buffer, opts: SendFileOptions = {}): string {
  const job = prepareFile(ctx, file, opts);
  if (opts.move && moveIntoPlace(ctx, job.source, job.name, opts.delay)) return job.id;
  let copied: Copied;
  try {
    copied = copyPayload(job.source, job.tmp, ctx.durable);
  } catch (err) {
    fs.rmSync(job.tmp, { force: true });
    throw fsFailure(`copying ${displayName(job.source)} into ${ctx.layout.tmp}`, err);
  }
  return commitFile(ctx, job, copied, opts);
}

/**
 * sendFile with the copy off the event loop (see copyPayloadAsync): for a process that must
 * go on answering while a large file is copied. Aborting `signal` before the commit removes
 * the tmp/ copy and rejects with the signal's AbortError: nothing is queued. The commit is
 * the same synchronous rename, so the job still appears in queued/ only complete.
 */
export async function sendFileAsync(ctx: SendContext, file: string | Buffer, opts: SendFileOptions & CopyOptions = {}): Promise<string> {
  opts.signal?.throwIfAborted();
  const job = prepareFile(ctx, file, opts);
  if (opts.move && moveIntoPlace(ctx, job.source, job.name, opts.delay)) return job.id;
  let copied: Copied;
  try {
    copied = await copyPayloadAsync(job.source, job.tmp, ctx.durable, opts);
    // A cancel that came during the last chunk still wins: after the rename it would be too late.
    opts.signal?.throwIfAborted();
  } catch (err) {
    fs.rmSync(job.tmp, { force: true });
    if (opts.signal?.aborted && err === opts.signal.reason) throw err;
    throw fsFailure(`copying ${displayName(job.source)} into ${ctx.layout.tmp}`, err);
  }
  return commitFile(ctx, job, copied, opts);
}

export interface FileToSend {
  id: string;
  name: string;
  source: string;
  tmp: string;
}

/**
 * Everything checked before a byte is written: the delay, the name, that the path is a regular
 * file, the queue's own folders (`checkFolders`: sendFiles checks them once per call, see foldersOnce).
 */
export function prepareFile(
  ctx: SendContext,
  file: string | Buffer,
  opts: SendFileOptions,
  checkFolders: () => void = () => checkOwnFolders(ctx, opts.delay),
): FileToSend {
  checkDelay(opts.delay);
  const source = path.resolve(pathFromInput(file));
  const basename = path.basename(source);
  checkBasename(basename);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(fsPath(source));
    // --move renames what is at the path: for a link, the link, which then names nothing in
    // the queue. Refused: the user copies the target (no --move) or moves the target itself.
    if (st.isSymbolicLink() && opts.move) {
      throw new QueueError(
        'NOT_A_FILE',
        `${displayName(source)} is a symbolic link: --move would move the link, not its file. Send it without --move (its target is copied), or move the target itself`,
      );
    }
    if (st.isSymbolicLink()) st = fs.statSync(fsPath(source));
  } catch (err) {
    if (err instanceof QueueError) throw err;
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR')
      throw new QueueError('FILE_NOT_FOUND', `File not found: ${displayName(source)}`, { cause: err });
    throw fsFailure(`reading ${displayName(source)}`, err);
  }
  if (!st.isFile())
    throw new QueueError('NOT_A_FILE', `Not a regular file: ${displayName(source)} (only files can be sent; send a directory's files one by one)`);
  const id = newJobId();
  const name = fileJobName(id, basename);
  checkFolders();
  return { id, name, source, tmp: path.join(ctx.layout.tmp, id) };
}

function commitFile(ctx: SendContext, job: FileToSend, copied: Copied, opts: SendFileOptions): string {
  try {
    commit(ctx, job.tmp, job.name, opts.delay);
  } catch (err) {
    fs.rmSync(job.tmp, { force: true });
    throw err;
  }
  const note = sizeNote(displayName(job.source), copied);
  if (note) ctx.warn?.(new QueueError('IO', note));
  if (opts.move) fs.rmSync(fsPath(job.source), { force: true });
  return job.id;
}

/**
 * A tmp/ or queued/ (scheduled/) swapped for a link after the queue was opened would take
 * the payload outside the queue: refused (NOT_A_DIRECTORY) before anything is written.
 */
export function checkOwnFolders(ctx: SendContext, delay: number | undefined): void {
  checkRealDir(ctx.layout.tmp);
  checkRealDir(delay && delay > 0 ? ctx.layout.scheduled : ctx.layout.queued);
}

/** checkOwnFolders for the files of one call: checked at the first file, whose answer (an error too) serves the rest. */
export function foldersOnce(ctx: SendContext, delay: number | undefined): () => void {
  let answer: { err?: Error } | undefined;
  return () => {
    if (!answer) {
      try {
        checkOwnFolders(ctx, delay);
        answer = {};
      } catch (err) {
        answer = { err: err instanceof Error ? err : new Error(String(err)) };
      }
    }
    if (answer.err !== undefined) throw answer.err;
  };
}

/**
 * A file to move is whole already, so renaming it straight into place is the commit.
 * Staging it in tmp/ first would leave the user's only copy there after a crash, and
 * cleanup() deletes stale tmp/ files (a moved file keeps its old mtime). False when the
 * file is on another file system: the caller copies it instead, then removes it.
 */
function moveIntoPlace(ctx: SendContext, source: string, name: string, delay: number | undefined): boolean {
  const dest = destination(ctx, name, delay);
  try {
    if (ctx.durable) fsyncPath(source);
    fs.renameSync(fsPath(source), fsPath(dest));
  } catch (err) {
    if (errnoOf(err) === 'EXDEV') return false;
    throw fsFailure(`queueing ${displayName(source)} as ${displayName(name)}`, err);
  }
  if (ctx.durable) fsyncDirs(path.dirname(source), path.dirname(dest));
  return true;
}

/** Before anything is written: a due time past the bound would make a scheduled/ name nothing can read. */
export function checkDelay(delay: number | undefined): void {
  if (delay !== undefined) checkBound('delay', delay, BOUNDS.delayMs);
}

/** queued/<name>, or scheduled/<due>-<name> for a delayed send. */
export function destination(ctx: SendContext, name: string, delay: number | undefined): string {
  const { layout } = ctx;
  return delay && delay > 0 ? entryPath(layout.scheduled, scheduledName(Date.now() + delay, name)) : entryPath(layout.queued, name);
}

function commit(ctx: SendContext, tmp: string, name: string, delay: number | undefined): void {
  const dest = destination(ctx, name, delay);
  try {
    fs.renameSync(tmp, fsPath(dest));
  } catch (err) {
    throw fsFailure(`queueing ${name}`, err);
  }
  // queued/ (or scheduled/) is synced, tmp/ is not: the job is safe once its payload and
  // its new entry are on disk. A crash before tmp/ is written back can at worst leave a
  // second name in tmp/ for the same payload, which no consumer lists and cleanup() removes.
  if (ctx.durable) fsyncDirs(path.dirname(dest));
}
