/**
 * Many data jobs in one call, and the async durable send that shares its fsyncs with the
 * sends running beside it (group commit). The steps, and what a crash at each leaves:
 *
 * 1. Each payload is written to tmp/<id> (O_EXCL), as sendData does. A crash leaves tmp/
 *    files, whole or not, that no consumer lists; cleanup() removes them once an hour old
 *    (it knows tmp/<uuid> as a send's). Nothing was reported.
 * 2. Durable: the files are fsynced IN_FLIGHT at a time on libuv's thread pool, so the file
 *    system's journal commits them together. A crash leaves whole tmp/ files: as step 1.
 * 3. Each tmp/<id> is renamed into queued/ (scheduled/ with a delay), in order: the commit
 *    point of each job towards consumers. A crash after a rename leaves that job queued,
 *    whole (its bytes were on disk before its name), and not reported: a producer that
 *    sends again after a crash may queue it twice, as with any queue (at least once).
 * 4. Durable: one fsync of queued/ for the whole batch, shared with every send that renamed
 *    into it meanwhile (groupSync.ts): the durability commit point. Only then are the ids
 *    returned. A power cut before it may undo some renames: those payloads are back in
 *    tmp/ (whole), unreported, and cleanup() removes them. tmp/ itself is never synced (see
 *    send.ts's commit).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QueueError, fsFailure } from './errors';
import { newJobId } from './jobId';
import { dataJobName } from './jobName';
import { entryPath } from './layout';
import { fsPath } from './fsName';
import { fsyncFd, syncDir } from './groupSync';
import { checkDelay, checkOwnFolders, destination, writeNew, type SendContext, type SendOptions } from './send';

/** Files open and being fsynced at once: enough to keep the thread pool busy, few enough descriptors. */
const IN_FLIGHT = 64;

/** What sendMany throws when it stopped after some of its jobs were queued: their ids, in order. */
export interface PartlySent extends QueueError {
  sent: string[];
}

/**
 * Queues every item as a data job, in order; returns their ids in the same order once all
 * are queued (durable: on disk, payloads and names). A failure before any rename queues
 * nothing; one during the renames (rare: an I/O error) throws a QueueError whose `sent`
 * holds the ids queued before it (see PartlySent).
 */
export async function sendMany(ctx: SendContext, items: readonly (string | Uint8Array)[], opts: SendOptions = {}): Promise<string[]> {
  checkDelay(opts.delay);
  const payloads = checkItems(items);
  if (payloads.length === 0) return [];
  checkOwnFolders(ctx, opts.delay);
  const ids = payloads.map(() => newJobId());
  const tmps = ids.map((id) => entryPath(ctx.layout.tmp, id));
  await writeAll(ctx, payloads, tmps);
  let dir: string | undefined;
  for (let k = 0; k < ids.length; k++) {
    const dest = destination(ctx, dataJobName(ids[k]), opts.delay);
    dir ??= path.dirname(dest);
    try {
      fs.renameSync(tmps[k], fsPath(dest));
    } catch (err) {
      for (const tmp of tmps.slice(k)) fs.rmSync(tmp, { force: true });
      if (ctx.durable && k > 0) await syncDir(dir);
      const failure = fsFailure(`queueing job ${k + 1} of ${ids.length} (the ${k} before it are queued: their ids are on this error's "sent")`, err);
      const partly: PartlySent = Object.assign(failure, { sent: ids.slice(0, k) });
      throw partly;
    }
  }
  if (ctx.durable && dir) await syncDir(dir);
  return ids;
}

/** sendData with its fsyncs off the event loop, the directory's shared with the sends beside it. */
export async function sendDataAsync(ctx: SendContext, data: string | Uint8Array, opts: SendOptions = {}): Promise<string> {
  const [id] = await sendMany(ctx, [data], opts);
  return id;
}

/** Steps 1 and 2: every payload in tmp/, on disk when durable; on failure, none left there. */
async function writeAll(ctx: SendContext, payloads: Uint8Array[], tmps: string[]): Promise<void> {
  let started = 0;
  try {
    for (let i = 0; i < payloads.length; i += IN_FLIGHT) {
      const fds: number[] = [];
      try {
        for (let k = i; k < Math.min(i + IN_FLIGHT, payloads.length); k++) {
          started = k + 1;
          fds.push(writeNew(tmps[k], payloads[k]));
        }
        // Every fsync settled before a descriptor is closed (a number reused under a queued fsync).
        if (ctx.durable) for (const r of await Promise.allSettled(fds.map(fsyncFd))) if (r.status === 'rejected') throw r.reason;
      } finally {
        for (const fd of fds) fs.closeSync(fd);
      }
    }
  } catch (err) {
    for (const tmp of tmps.slice(0, started)) fs.rmSync(tmp, { force: true });
    throw fsFailure(`writing data jobs to ${ctx.layout.tmp}`, err);
  }
}

/** The items as bytes; anything but strings and byte arrays is refused before a byte is written. */
function checkItems(items: readonly (string | Uint8Array)[]): Uint8Array[] {
  if (!Array.isArray(items)) throw new QueueError('BAD_OPTION', `sendMany takes an array of strings or Uint8Arrays, not ${describe(items)}`);
  return items.map((item, i) => {
    if (typeof item === 'string') return Buffer.from(item);
    if (item instanceof Uint8Array) return item;
    throw new QueueError('BAD_OPTION', `sendMany: item ${i} is ${describe(item)}; each item is a job's data, a string or a Uint8Array`);
  });
}

function describe(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : `a ${typeof x}`;
}
