/**
 * A child that sends `jobs` data jobs to a durable queue and drains them with
 * receive({ concurrency }); each handler first looks up tmp/started-<id> (a system call a
 * trace can place: the handler's start) and yields once before it answers SUCCESS.
 * Argument: JSON { queue, jobs, concurrency }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';

async function main(a: { queue: string; jobs: number; concurrency: number }): Promise<void> {
  const q = new Pacchettino(a.queue, { durable: true });
  await q.sendMany(Array.from({ length: a.jobs }, (_, k) => `job ${k}`));
  q.onJob = async (job) => {
    fs.existsSync(path.join(q.layout.tmp, `started-${job.id}`));
    await new Promise((resolve) => setImmediate(resolve));
    return 'SUCCESS' as const;
  };
  const n = await q.receive({ concurrency: a.concurrency });
  await q.close();
  process.stdout.write(`${n}\n`);
}

main(JSON.parse(process.argv[2]) as { queue: string; jobs: number; concurrency: number }).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
