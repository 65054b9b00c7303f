/**
 * Many files in one call, with sendMany's steps (see sendMany.ts for what a crash at each
 * leaves): each file copied to tmp/<id>; durable, the copies fsynced side by side on the
 * thread pool; each renamed into queued/ (the commit point of each job); durable, one
 * fsync of queued/ for the batch, shared with the sends beside it, before any id is given.
 * One bad file costs that file: its entry says why, the others are sent. A file to move is
 * renamed straight into place one by one, as sendFile does (it is whole already; see
 * moveIntoPlace).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, fsFailure } from './errors';
import { copyPayload, sizeNote, type Copied } from './copyPayload';
import { displayName, fsPath } from './fsName';
import { fsyncPathAsync, syncDir } from './groupSync';
import { destination, prepareFile, sendFile, type FileToSend, type SendContext, type SendFileOptions } from './send';

/** One file of a sendFiles call: its job's id, or why it was not sent. */
export type SentFile = { file: string | Buffer; id: string } | { file: string | Buffer; error: QueueError };

/** Copies fsynced at once: enough to keep the thread pool busy, few enough descriptors. */
const IN_FLIGHT = 32;

export async function sendFiles(ctx: SendContext, files: readonly (string | Buffer)[], opts: SendFileOptions = {}): Promise<SentFile[]> {
  if (!isList(files)) throw new QueueError('BAD_OPTION', 'sendFiles takes an array of paths');
  if (opts.move) return files.map((file) => attempt(file, () => sendFile(ctx, file, opts)));
  const staged: { job: FileToSend; copied: Copied }[] = [];
  const out: SentFile[] = files.map((file) =>
    attempt(file, () => {
      const job = prepareFile(ctx, file, opts);
      try {
        staged.push({ job, copied: copyPayload(job.source, job.tmp, false) });
      } catch (err) {
        fs.rmSync(job.tmp, { force: true });
        throw fsFailure(`copying ${displayName(job.source)} into ${ctx.layout.tmp}`, err);
      }
      return job.id;
    }),
  );
  /** By job id: the staged copies that did not make it into queued/. */
  const failed = new Map<string, QueueError>();
  if (ctx.durable)
    for (let i = 0; i < staged.length; i += IN_FLIGHT)
      await Promise.all(
        staged.slice(i, i + IN_FLIGHT).map(({ job }) =>
          fsyncPathAsync(job.tmp).catch((err: unknown) => {
            fs.rmSync(job.tmp, { force: true });
            failed.set(job.id, fsFailure(`writing ${displayName(job.source)} to disk in ${ctx.layout.tmp}`, err));
          }),
        ),
      );
  let dir: string | undefined;
  for (const { job } of staged) {
    if (failed.has(job.id)) continue;
    const dest = destination(ctx, job.name, opts.delay);
    try {
      fs.renameSync(job.tmp, fsPath(dest));
      dir ??= path.dirname(dest);
    } catch (err) {
      fs.rmSync(job.tmp, { force: true });
      failed.set(job.id, fsFailure(`queueing ${displayName(job.name)}`, err));
    }
  }
  if (ctx.durable && dir) await syncDir(dir);
  for (const { job, copied } of staged) {
    const note = failed.has(job.id) ? undefined : sizeNote(displayName(job.source), copied);
    if (note) ctx.warn?.(new QueueError('IO', note));
  }
  return out.map((r) => ('id' in r && failed.has(r.id) ? { file: r.file, error: failed.get(r.id)! } : r));
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
