/**
 * A child that sends data jobs in bulk and prints each id on stdout once it is acknowledged
 * (its sendMany or sendDataAsync resolved): what a killed producer was told is exactly what
 * it printed. Argument: JSON { queue, durable, batches, batch, concurrent }; batches 0 sends
 * until killed. Job k's payload is bulkPayload(k), which says its own length (a torn file shows).
 */
import { Pacchettino } from 'pacchettino';

export interface BulkSenderArgs {
  queue: string;
  durable: boolean;
  /** how many sendMany calls (0: until killed) */
  batches: number;
  batch: number;
  /** instead of sendMany: `batch` concurrent sendDataAsync calls per round */
  concurrent?: boolean;
  /** instead of data jobs: these files, sent with one sendFiles({ move: true }) (an entry's error printed as `error <code>`) */
  move?: string[];
}

/** Job k's payload: "job <k> <len> " then a filler whose length varies with k, then "end". */
export function bulkPayload(k: number): string {
  const body = `job ${k} ` + 'x'.repeat((k * 37) % 3000) + ' end';
  return `${body.length} ${body}`;
}

/** Whether a queued file's bytes are a whole bulkPayload. */
export function isWholePayload(text: string): boolean {
  const m = /^(\d+) (job (\d+) x* end)$/.exec(text);
  return !!m && Number(m[1]) === m[2].length && text === bulkPayload(Number(m[3]));
}

async function main(a: BulkSenderArgs): Promise<void> {
  const q = new Pacchettino(a.queue, { durable: a.durable });
  if (a.move) {
    const sent = await q.sendFiles(a.move, { move: true });
    process.stdout.write(sent.map((r) => `${'id' in r ? r.id : `error ${r.error.code}`}\n`).join(''));
    return q.close();
  }
  let k = 0;
  for (let b = 0; a.batches === 0 || b < a.batches; b++) {
    const items = Array.from({ length: a.batch }, () => bulkPayload(k++));
    const ids = a.concurrent ? await Promise.all(items.map((d) => q.sendDataAsync(d))) : await q.sendMany(items);
    process.stdout.write(ids.map((id) => `${id}\n`).join(''));
  }
  await q.close();
}

if (require.main === module)
  main(JSON.parse(process.argv[2]) as BulkSenderArgs).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
