import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LISTABLE_STATES, Pacchettino, type QueueOptions } from 'pacchettino';
import { FolderIndex, FolderWatch, LISTINGS } from 'pacchettino/internal';
import { burstOfChanges } from '../support/queueBurst';
import { countLstats } from '../support/fsCalls';
import { queuePath, scratchDir } from '../support/scratch';

/** A queue read through a FolderIndex kept by a real watch, as the worker keeps it. */
function indexedQueue(t: { after(fn: () => void): void }, q: string): { queue: Pacchettino; index: FolderIndex } {
  const queue0 = new Pacchettino(q, { watch: false });
  const index = new FolderIndex(queue0.layout);
  const watch = new FolderWatch(
    (dir, name) => index.note(dir, name),
    (err) => assert.fail(`the watch failed: ${String(err)}`),
  );
  assert.ok(watch.start(queue0.layout.stateFolders()));
  t.after(() => watch.close());
  index.trust(true);
  return { queue: new Pacchettino(q, { watch: false, [LISTINGS]: index } as QueueOptions), index };
}

/** What a fresh look (a queue of its own, listing every folder) says: each state's ids in order. */
function freshIds(q: string): Record<string, string[]> {
  const fresh = new Pacchettino(q, { watch: false });
  return Object.fromEntries(LISTABLE_STATES.map((s) => [s, fresh.matchingIds(s)]));
}

function indexedIds(queue: Pacchettino): Record<string, string[]> {
  return Object.fromEntries(LISTABLE_STATES.map((s) => [s, queue.matchingIds(s)]));
}

test('a FolderIndex kept by its watch through sends, claims and finishes of other processes is what a fresh listing says, listing each folder once', async (t) => {
  const q = queuePath(t);
  const { queue, index } = indexedQueue(t, q);
  new Pacchettino(q).sendData('before'); // something to list
  await FolderWatch.delivered();
  indexedIds(queue); // the first look: each state folder listed once
  assert.equal(index.listings, LISTABLE_STATES.length);

  // Looked at during the burst as the worker's refreshes do, so the reports are taken a few at a time.
  let looks = 0;
  const looking = setInterval(() => {
    indexedIds(queue);
    looks++;
  }, 20);
  try {
    await burstOfChanges(t, q, 600);
  } finally {
    clearInterval(looking);
  }
  await FolderWatch.delivered();
  const seen = indexedIds(queue);
  assert.deepEqual(seen, freshIds(q));
  assert.equal(seen.SUCCESS.length, 200);
  assert.equal(seen.FAILED.length, 200);
  assert.equal(seen.PROCESSING.length, 1);
  assert.equal(index.listings, LISTABLE_STATES.length, `no folder listed again (${looks} looks during the burst)`);
});

test('a FolderIndex keeps names that are not UTF-8, and drops what is no job, as a listing does', async (t) => {
  const q = queuePath(t);
  const { queue } = indexedQueue(t, q);
  const sender = new Pacchettino(q);
  const bytes = Buffer.concat([Buffer.from(`${scratchDir(t)}/caf`), Buffer.of(0xe9), Buffer.from('.txt')]);
  fs.writeFileSync(bytes, 'x');
  assert.deepEqual(indexedIds(queue), freshIds(q)); // listed (empty)
  sender.sendFile(bytes);
  sender.sendData('data');
  fs.writeFileSync(path.join(q, 'queued', '.hidden'), 'not a job');
  await FolderWatch.delivered();
  const seen = indexedIds(queue);
  assert.equal(seen.QUEUED.length, 2);
  assert.deepEqual(seen, freshIds(q));
  assert.equal(queue.list('QUEUED').jobs.find((j) => j.kind === 'file')?.size, 1, "the file job's payload is found by its name's bytes");
});

test('a sort by finish time through a FolderIndex stats each finished job once, and a job that finished again sorts by its new finish', async (t) => {
  const q = queuePath(t);
  const { queue } = indexedQueue(t, q);
  const consumer = new Pacchettino(q, { watch: false });
  t.after(() => consumer.close());
  consumer.onData = () => 'SUCCESS';
  const ids = [0, 1, 2, 3, 4].map((i) => consumer.sendData(`job ${i}`));
  await consumer.receive();
  await FolderWatch.delivered();
  const byFinish = () => queue.list('SUCCESS', { sort: 'finished', order: 'desc' }).jobs.map((j) => j.id);
  const stats = countLstats(path.join(q, 'success'));
  t.after(() => stats.restore());
  assert.deepEqual([...byFinish()].sort(), [...ids].sort());
  const first = stats.count;
  assert.ok(first >= ids.length, `each job's finish read once (${first} lstats)`);

  // The oldest job runs again, in a later kernel tick than the others finished in (times move in ticks).
  const lastFinish = Math.max(...ids.map((id) => fs.lstatSync(path.join(q, 'success', `raw-${id}`)).ctimeMs));
  while (Date.now() <= lastFinish + 20) await new Promise((resolve) => setImmediate(resolve));
  consumer.requeue(ids[0]);
  await consumer.receive();
  await FolderWatch.delivered();
  const before = stats.count;
  const after = byFinish();
  assert.equal(after[0], ids[0], 'the job finished again is the most recently finished');
  assert.equal(after.length, ids.length);
  // The index's lookup of the reported name and that job's new finish: the others' facts are kept.
  assert.equal(stats.count - before, 2, 'lstats of the sorted page after one job finished again');
});
