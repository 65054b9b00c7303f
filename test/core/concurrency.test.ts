// Many consumers, processes and threads, on one queue: each job handled exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, type QueueOptions } from 'pacchettino';
import { entries, scratchDir } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';

const PROCESSES = 4;
const THREADS = 2;

async function drainWithProcessesAndThreads(t: Parameters<typeof scratchDir>[0], jobs: number, options: QueueOptions) {
  const dir = scratchDir(t, 'many');
  const base = path.join(dir, 'q');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const producer = new Pacchettino(base);
  const sent = Array.from({ length: jobs }, (_, i) => producer.sendData(`job ${i}`));

  // Start every process first, then let them all loose at once, so they compete from the first job.
  const consumers = await Promise.all(Array.from({ length: PROCESSES }, () => QueueProcess.start(t, { queue: base, options })));
  await Promise.all(consumers.map((c) => c.request({ op: 'startThreads', threads: THREADS, logDir: logs })));
  const handled = (await Promise.all(consumers.map((c) => c.request<number[]>({ op: 'drainThreads' })))).flat();

  const logFiles = fs.readdirSync(logs);
  assert.equal(logFiles.length, PROCESSES * THREADS, 'one log per thread');
  const seen = logFiles.flatMap((f) => fs.readFileSync(path.join(logs, f), 'utf8').split('\n').filter(Boolean));
  const duplicates = seen.filter((id, i) => seen.indexOf(id) !== i);
  assert.deepEqual(duplicates, [], 'no job handled twice');
  assert.deepEqual([...seen].sort(), [...sent].sort(), 'every job handled');
  assert.equal(
    handled.reduce((a, b) => a + b, 0),
    jobs,
  );
  assert.ok(handled.filter((n) => n > 0).length > 1, `the work was shared: ${handled.join(', ')}`);

  assert.deepEqual(entries(path.join(base, 'success')), sent.map((id) => `raw-${id}`).sort());
  for (const d of ['queued', 'processing', 'failed', 'interrupted', 'tmp']) assert.deepEqual(entries(path.join(base, d)), [], `${d}/ is empty`);
}

test(`${PROCESSES} processes x ${THREADS} worker threads drain 2,000 jobs, each handled exactly once`, async (t) => {
  await drainWithProcessesAndThreads(t, 2000, {});
});

test(`the same in lock-file mode (500 jobs)`, async (t) => {
  await drainWithProcessesAndThreads(t, 500, { crashDetection: 'lock' });
});
