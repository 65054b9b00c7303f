// `send`: one job (--data, --file) or many from one command: several files or folders
// (--file a b dir/), a list of paths (--files-from list | -), or data jobs read from
// standard input one per line or NUL-separated (--stdin [--null]; sent in batches, see
// sendBatches.ts). Each id is printed on a line of its own as its job is sent (durable: on
// disk), so a pipeline can act on them as they come. One bad
// item costs that item: it is reported on stderr, the others are sent, and the exit code
// is the first failure's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BOUNDS, Pacchettino, QueueError, nameFromBytes, type PartlySent, type SentFile } from '../../core';
import { ReportedError, UsageError } from '../exitCodes';
import { parseDuration, queueOptions, type QueueFlags } from '../options';
import { printable } from '../output';
import { SendBatches } from '../sendBatches';

export interface SendFlags extends QueueFlags {
  data?: string;
  file?: string[];
  filesFrom?: string;
  stdin?: boolean;
  null?: boolean;
  move?: boolean;
  delay?: string;
}

export async function send(queuePath: string, flags: SendFlags): Promise<number> {
  const sources = [flags.data !== undefined, flags.file !== undefined, flags.filesFrom !== undefined, !!flags.stdin].filter(Boolean).length;
  if (sources !== 1) throw new UsageError('send takes exactly one of --data <text>, --file <path…>, --files-from <list|->, --stdin');
  if (flags.move && flags.file === undefined && flags.filesFrom === undefined) throw new UsageError('--move goes with --file or --files-from');
  if (flags.null && !flags.stdin && flags.filesFrom === undefined) throw new UsageError('--null goes with --stdin or --files-from');
  const delay = flags.delay !== undefined ? parseDuration(flags.delay, '--delay', BOUNDS.delayMs) : undefined;
  const queue = new Pacchettino(queuePath, queueOptions(flags));
  // What a send did that was not asked (a file whose size lied, copied to its end).
  queue.on('warning', (err: Error) => process.stderr.write(`pacchettino: warning: ${err.message}\n`));
  const out = new IdWriter();
  const failures = new Failures();

  if (flags.data !== undefined) out.add(queue.sendData(flags.data, { delay }));
  const files = new SendBatches(
    (batch: string[]) => queue.sendFiles(batch, { move: flags.move, delay }),
    (results: SentFile[]) => {
      for (const r of results)
        if ('id' in r) out.add(r.id);
        else failures.fail(r.error);
      out.flush();
    },
  );
  for (const arg of flags.file ?? []) for (const file of expandFolder(arg, failures)) files.add(file);
  if (flags.filesFrom !== undefined) {
    const input = flags.filesFrom === '-' ? process.stdin : fs.createReadStream(flags.filesFrom);
    await forEachRecord(
      input,
      flags.null ? 0x00 : 0x0a,
      (rec) => {
        const file = nameFromBytes(rec); // a name's bytes, as they are
        if (file) files.add(file);
      },
      () => files.keepUp(),
    );
  }
  await files.finish();
  if (flags.stdin) {
    // Each record is one job's bytes, as they are (a line without its newline), sent in batches.
    const batches = new SendBatches(
      // A batch stopped halfway (an I/O error) still queued the jobs before it: their ids go out first.
      (recs: Buffer[]) =>
        queue.sendMany(recs, { delay }).catch((err: unknown) => {
          for (const id of (err as Partial<PartlySent>).sent ?? []) out.add(id);
          out.flush();
          throw err;
        }),
      (ids: string[]) => {
        for (const id of ids) out.add(id);
        out.flush();
      },
    );
    await forEachRecord(
      process.stdin,
      flags.null ? 0x00 : 0x0a,
      (rec) => batches.add(rec),
      () => batches.keepUp(),
    );
    await batches.finish();
  }
  out.flush();
  failures.finish();
  return 0;
}

/** A folder given to --file stands for the files directly in it, by name; anything else is itself. */
function expandFolder(arg: string, failures: Failures): string[] {
  let entries: fs.Dirent[];
  try {
    if (!fs.statSync(arg).isDirectory()) return [arg];
    entries = fs.readdirSync(arg, { withFileTypes: true });
  } catch {
    return [arg]; // sendFile says what is wrong with it
  }
  const files: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(arg, e.name);
    if (e.isFile() || e.isSymbolicLink()) files.push(full);
    else failures.note(`${full}: a folder inside a folder is not sent (give it as its own --file argument)`);
  }
  if (!files.length)
    failures.try(() => {
      throw new QueueError('FILE_NOT_FOUND', `Folder ${arg} holds no files to send`);
    });
  return files;
}

/**
 * Calls `each` for every `sep`-terminated record of the stream, as the chunks arrive (a
 * last record without its separator counts too), then `afterChunk`. A record is a subarray
 * of the chunk it ends in: no copy unless it spans chunks.
 */
async function forEachRecord(input: NodeJS.ReadableStream, sep: number, each: (rec: Buffer) => void, afterChunk: () => void | Promise<void>): Promise<void> {
  let carry: Buffer | undefined;
  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    let start = 0;
    for (let end = chunk.indexOf(sep); end !== -1; end = chunk.indexOf(sep, start)) {
      const rec = chunk.subarray(start, end);
      each(carry ? Buffer.concat([carry, rec]) : rec);
      carry = undefined;
      start = end + 1;
    }
    if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
    await afterChunk();
  }
  if (carry) each(carry);
}

/** Ids go out a line each, written once per batch of input: one write per id would cost more than the send. */
class IdWriter {
  private pending: string[] = [];
  add(id: string): void {
    this.pending.push(id);
    if (this.pending.length >= 1024) this.flush();
  }
  flush(): void {
    if (!this.pending.length) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    process.stdout.write(text); // to a file or (on Linux) a pipe, a synchronous write
  }
}

/** Per-item failures: each reported as it happens, the first one decides the exit code. */
class Failures {
  private first: unknown;
  private count = 0;
  try(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }
  fail(err: unknown): void {
    this.first ??= err;
    this.count++;
    process.stderr.write(`pacchettino: ${printable((err as Error).message)}\n`);
  }
  note(message: string): void {
    process.stderr.write(`pacchettino: ${printable(message)}\n`);
  }
  finish(): void {
    if (this.first === undefined) return;
    if (this.count > 1) process.stderr.write(`pacchettino: ${this.count} files not sent\n`);
    throw new ReportedError(this.first);
  }
}
