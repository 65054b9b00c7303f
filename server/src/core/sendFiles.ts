/**
 * Many files in one call, with sendMany's steps (see sendMany.ts for what a crash at each
 * leaves): each file copied to tmp/<id>; durable, the copies fsynced side by side on the
 * thread pool; each renamed into queued/ (the commit point of each job); durable, one
 * fsync of queued/ for the batch, shared with the sends beside it, before any id is given.
 * One bad file costs that file: its entry says why, the others are sent.
 *
 * A file to move is whole already, so it is renamed straight into place, not staged in tmp/
 * (see send.ts's moveIntoPlace), with the same steps: durable, the files fsynced side by side
 * where they are (a crash leaves them there, nothing queued); each renamed into queued/ (its
 * commit point); durable, one fsync of queued/ and one of each folder the files came from, the
 * durability commit point, before any id is given (a power cut before it may undo some renames:
 * those files are back where the user had them, unreported). A file on another file system is
 * copied as the others are, and removed only once its copy's name in queued/ is on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, errnoOf, fsFailure } from './errors';
import { copyPayload, sizeNote, type Copied } from './copyPayload';
import { displayName, fsPath } from './fsName';
import { fsyncPathAsync, syncDirs } from './groupSync';
import { destination, foldersOnce, prepareFile, type FileToSend, type SendContext, type SendFileOptions } from './send';

/** One file of a sendFiles call: its job's id, or why it was not sent. */
export type SentFile = { file: string | Buffer; id: string } | { file: string | Buffer; error: QueueError };

/** Files fsynced at once: enough to keep the thread pool busy, few enough descriptors. */
const IN_FLIGHT = 32;

interface Staged {
  job: FileToSend;
  copied: Copied;
  /** A file to move that was on another file system: removed once its copy is queued. */
  moved?: boolean;
}

export async function sendFiles(ctx: SendContext, files: readonly (string | Buffer)[], opts: SendFileOptions = {}): Promise<SentFile[]> {
  if (!isList(files)) throw new QueueError('BAD_OPTION', 'sendFiles takes an array of paths');
  const checkFolders = foldersOnce(ctx, opts.delay);
  const staged: Staged[] = [];
  const moving: FileToSend[] = [];
  /** By job id: the files that did not make it into queued/. */
  const failed = new Map<string, QueueError>();
  const stage = (job: FileToSend, moved?: boolean) => {
    try {
      staged.push({ job, copied: copyPayload(job.source, job.tmp, false), moved });
    } catch (err) {
      fs.rmSync(job.tmp, { force: true });
      throw fsFailure(`copying ${displayName(job.source)} into ${ctx.layout.tmp}`, err);
    }
  };
  const out: SentFile[] = files.map((file) =>
    attempt(file, () => {
      const job = prepareFile(ctx, file, opts, checkFolders);
      if (opts.move) moving.push(job);
      else stage(job);
      return job.id;
    }),
  );
  /** Where renames went: each folder is fsynced once, durable, before any id is given. */
  const renamedIn = new Set<string>();
  if (moving.length > 0) {
    if (ctx.durable)
      await sideBySide(
        moving,
        (job) => fsyncPathAsync(job.source),
        (job, err) => failed.set(job.id, fsFailure(`writing ${displayName(job.source)} to disk`, err)),
      );
    for (const job of moving) {
      if (failed.has(job.id)) continue;
      const dest = destination(ctx, job.name, opts.delay);
      try {
        fs.renameSync(fsPath(job.source), fsPath(dest));
        renamedIn.add(path.dirname(dest)).add(path.dirname(job.source));
      } catch (err) {
        try {
          if (errnoOf(err) !== 'EXDEV') throw fsFailure(`queueing ${displayName(job.source)} as ${displayName(job.name)}`, err);
          stage(job, true);
        } catch (failure) {
          failed.set(job.id, failure as QueueError);
        }
      }
    }
  }
  if (ctx.durable)
    await sideBySide(
      staged,
      ({ job }) => fsyncPathAsync(job.tmp),
      ({ job }, err) => {
        fs.rmSync(job.tmp, { force: true });
        failed.set(job.id, fsFailure(`writing ${displayName(job.source)} to disk in ${ctx.layout.tmp}`, err));
      },
    );
  for (const { job } of staged) {
    if (failed.has(job.id)) continue;
    const dest = destination(ctx, job.name, opts.delay);
    try {
      fs.renameSync(job.tmp, fsPath(dest));
      renamedIn.add(path.dirname(dest));
    } catch (err) {
      fs.rmSync(job.tmp, { force: true });
      failed.set(job.id, fsFailure(`queueing ${displayName(job.name)}`, err));
    }
  }
  // tmp/ is never synced (see send.ts's commit): only where names came and, for a move, went.
  if (ctx.durable && renamedIn.size > 0) await syncDirs(...renamedIn);
  for (const { job, copied, moved } of staged) {
    if (failed.has(job.id)) continue;
    const note = sizeNote(displayName(job.source), copied);
    if (note) ctx.warn?.(new QueueError('IO', note));
    if (moved) fs.rmSync(fsPath(job.source), { force: true });
  }
  return out.map((r) => ('id' in r && failed.has(r.id) ? { file: r.file, error: failed.get(r.id)! } : r));
}

/** `work` on every item, IN_FLIGHT at a time on the thread pool; a failure goes to `failure`, the others go on. */
async function sideBySide<T>(items: readonly T[], work: (item: T) => Promise<void>, failure: (item: T, err: unknown) => void): Promise<void> {
  for (let i = 0; i < items.length; i += IN_FLIGHT)
    await Promise.all(items.slice(i, i + IN_FLIGHT).map((item) => work(item).catch((err: unknown) => failure(item, err))));
}

/** Array.isArray without its narrowing to any[]. */
function isList(x: unknown): boolean {
  return Array.isArray(x);
}

function attempt(file: string | Buffer, send: () => string): SentFile {
  try {
    return { file, id: send() };
  } catch (err) {
    return { file, error: err instanceof QueueError ? err : fsFailure(`sending ${displayName(String(file))}`, err) };
  }
}
