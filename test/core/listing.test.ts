// Cost of draining and looking (the original lists queued/ per job: O(N^2) to drain),
// paged listing, and details().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Pacchettino, type JobInfo } from 'pacchettino';
import { MTIME_TICK_SLACK_MS, SMALL_META_BYTES } from 'pacchettino/internal';
import { queuePath } from '../support/scratch';
import { countOpens, countReaddirs } from '../support/fsCalls';
import { pidOfExitedProcess } from '../support/processes';
import { writeProcessing, uuidV7 } from '../support/originalLayout';

const N = 2000;

for (const randomize of [true, false]) {
  test(`draining ${N} jobs one receiveOne() at a time lists queued/ a handful of times, not once per job (randomize: ${randomize})`, async (t) => {
    const base = queuePath(t, 'list');
    const q = new Pacchettino(base);
    for (let i = 0; i < N; i++) q.sendData(String(i));
    const listings = countReaddirs(path.join(base, 'queued'));
    t.after(() => listings.restore());
    q.onData = () => 'SUCCESS';
    let handled = 0;
    while (await q.receiveOne({ randomize })) handled++;
    listings.restore();
    assert.equal(handled, N);
    assert.equal(q.countSuccess(), N);
    assert.ok(listings.count >= 1, 'the counter sees the core list queued/');
    assert.ok(listings.count <= 3, `queued/ was listed ${listings.count} times for ${N} jobs`);
  });
}

test(`${N} status queries and counts on an unchanging queue do not list a folder per query`, async (t) => {
  const base = queuePath(t, 'list');
  const q = new Pacchettino(base);
  const ids = Array.from({ length: N }, (_, i) => q.sendData(String(i)));
  q.onData = () => 'SUCCESS';
  assert.equal(await q.receive(), N);
  // Unchanging means unchanged for longer than the mtime tick slack: a folder changed more
  // recently is rightly listed again, however fast the queries after the drain come.
  const success = path.join(base, 'success');
  const young = fs.statSync(success).mtimeMs + MTIME_TICK_SLACK_MS + 1 - Date.now();
  if (young > 0) await delay(young);
  const listings = countReaddirs(success);
  t.after(() => listings.restore());
  q.sendData('one more'); // nothing in success/ changes, but the queue does
  for (const id of ids) assert.equal(q.status(id), 'SUCCESS');
  for (let i = 0; i < 100; i++) assert.equal(q.countSuccess(), N);
  listings.restore();
  assert.ok(listings.count <= 2, `success/ was listed ${listings.count} times`);
});

test('list(state, {offset, limit, order}) pages 5,000 jobs: ids ascending, contiguous pages, right total', async (t) => {
  const base = queuePath(t, 'list');
  const q = new Pacchettino(base);
  const sent = Array.from({ length: 5000 }, (_, i) => q.sendData(`job ${i}`));
  assert.deepEqual([...sent].sort(), sent, 'ids sort in send order');

  const paged: JobInfo[] = [];
  for (let offset = 0; offset < 5000; offset += 777) {
    const page = q.list('QUEUED', { offset, limit: 777 });
    assert.equal(page.total, 5000);
    assert.equal(page.offset, offset);
    assert.equal(page.state, 'QUEUED');
    assert.equal(page.jobs.length, Math.min(777, 5000 - offset));
    paged.push(...page.jobs);
  }
  assert.deepEqual(
    paged.map((j) => j.id),
    sent,
  );
  const first = paged[0];
  assert.equal(first.name, `raw-${sent[0]}`);
  assert.equal(first.kind, 'data');
  assert.equal(first.state, 'QUEUED');
  assert.equal(first.size, Buffer.byteLength('job 0'));
  assert.equal(first.path, path.join(base, 'queued', `raw-${sent[0]}`));
  assert.equal(first.sentAt, q.sentAt(sent[0])?.getTime());
  assert.equal(first.attempts, 0);

  const newest = q.list('QUEUED', { order: 'desc', limit: 3 });
  assert.deepEqual(
    newest.jobs.map((j) => j.id),
    sent.slice(-3).reverse(),
  );
  const nextNewest = q.list('QUEUED', { order: 'desc', offset: 3, limit: 3 });
  assert.deepEqual(
    nextNewest.jobs.map((j) => j.id),
    sent.slice(-6, -3).reverse(),
  );
  assert.equal(q.list('QUEUED').jobs.length, 100, 'default page size');
  const past = q.list('QUEUED', { offset: 5000, limit: 10 });
  assert.deepEqual([past.total, past.jobs.length], [5000, 0]);
  assert.deepEqual(q.list('SUCCESS', { limit: 10 }), { state: 'SUCCESS', total: 0, offset: 0, jobs: [] });

  // After a sixth of them are handled, both folders page consistently.
  q.onData = () => 'SUCCESS';
  for (let i = 0; i < 1000; i++) await q.receiveOne({ randomize: false });
  assert.deepEqual(
    q.list('SUCCESS', { offset: 990, limit: 20 }).jobs.map((j) => j.id),
    sent.slice(990, 1000),
  );
  assert.deepEqual(
    q.list('QUEUED', { limit: 2 }).jobs.map((j) => j.id),
    sent.slice(1000, 1002),
  );
  assert.equal(q.list('QUEUED').total, 4000);
});

test('details() shows where a job is, its attempts and why it did not succeed', async (t) => {
  const base = queuePath(t, 'list');
  const q = new Pacchettino(base, { maxAttempts: 2 });
  const boom = q.sendData('boom');
  const flaky = q.sendData('flaky');
  const fine = q.sendData('fine');
  q.onData = (job) => {
    const what = job.data.toString();
    if (what === 'boom') throw new Error('exploded at step 3');
    if (what === 'flaky') return { result: 'RETRY', reason: 'timeout talking to api' };
    return 'SUCCESS';
  };
  assert.equal(await q.receive({ randomize: false }), 4); // boom, flaky, fine, flaky again (gives up)
  const lost = `raw-${uuidV7(Date.now())}`;
  writeProcessing(base, lost, await pidOfExitedProcess(), 'x');
  q.recover();

  const b = q.details(boom);
  assert.equal(b?.state, 'FAILED');
  assert.equal(b?.attempts, 1);
  assert.equal(b?.reason, 'exploded at step 3');
  const f = q.details(`raw-${flaky}`);
  assert.equal(f?.state, 'FAILED');
  assert.equal(f?.attempts, 2);
  assert.equal(f?.reason, 'gave up after 2 attempts: timeout talking to api');
  const ok = q.details(fine);
  assert.equal(ok?.state, 'SUCCESS');
  assert.equal(ok?.attempts, 0, 'a first-time success leaves no record');
  assert.equal(ok?.reason, undefined);
  const i = q.details(lost);
  assert.equal(i?.state, 'INTERRUPTED');
  assert.equal(i?.attempts, 1);
  assert.match(i?.reason ?? '', /died while running it/);
  assert.equal(q.details(uuidV7(Date.now())), undefined);
  assert.deepEqual(
    q.list('FAILED').jobs.map((j) => [j.id, j.reason]),
    [
      [boom, 'exploded at step 3'],
      [flaky, 'gave up after 2 attempts: timeout talking to api'],
    ],
  );
});

/** Records of no job (as another program might leave), until meta/ is too large to list for a page. */
function growMeta(meta: string): void {
  for (let i = 0; fs.statSync(meta).size <= SMALL_META_BYTES; i++) {
    for (let j = 0; j < 100; j++) fs.writeFileSync(path.join(meta, `${uuidV7(Date.now() - 86_400_000, i * 100 + j)}.json`), '{"attempts":1}');
  }
}

test('a page after a record was written opens its jobs records instead of listing every record of a large meta/ again', async (t) => {
  const base = queuePath(t, 'list');
  const q = new Pacchettino(base, { keep: ['SUCCESS', 'FAILED', 'INTERRUPTED'] });
  for (let i = 0; i < 300; i++) q.sendData(String(i));
  q.onData = (job) => (Number(job.data.toString()) % 2 === 0 ? 'FAILED' : 'SUCCESS');
  assert.equal(await q.receive(), 300);
  const meta = q.layout.meta;
  assert.equal(fs.readdirSync(meta).filter((n) => n.endsWith('.json')).length, 150, 'each failed job has a record');
  growMeta(meta);
  q.list('FAILED', { limit: 50 });
  q.sendData('one more failure'); // its record moves meta/'s mtime
  q.onData = () => 'FAILED';
  assert.equal(await q.receive(), 1);
  const listings = countReaddirs(meta);
  t.after(() => listings.restore());
  const failed = q.list('FAILED', { limit: 100 });
  const succeeded = q.list('SUCCESS', { limit: 100 });
  listings.restore();
  assert.equal(listings.count, 0, `meta/ was listed ${listings.count} times for two pages`);
  assert.equal(failed.jobs.length, 100);
  assert.ok(
    failed.jobs.every((j) => j.attempts === 1),
    'every failed job shows its record',
  );
  assert.ok(
    succeeded.jobs.every((j) => j.attempts === 0),
    'no succeeded job has one',
  );
});

test('pages of a queue with few records list meta/ once while it stands, and open no record of a job that has none', async (t) => {
  const base = queuePath(t, 'list');
  const q = new Pacchettino(base, { keep: ['SUCCESS', 'FAILED', 'INTERRUPTED'] });
  for (let i = 0; i < 200; i++) q.sendData(String(i));
  q.onData = (job) => (Number(job.data.toString()) % 4 === 0 ? 'FAILED' : 'SUCCESS');
  assert.equal(await q.receive(), 200);
  await delay(MTIME_TICK_SLACK_MS + 20); // past the tick: meta/'s listing can then be known current
  const meta = q.layout.meta;
  const listings = countReaddirs(meta);
  const opens = countOpens(meta);
  t.after(() => (listings.restore(), opens.restore()));
  const first = q.list('SUCCESS', { limit: 100 });
  const again = q.list('SUCCESS', { limit: 100 });
  const failed = q.list('FAILED', { limit: 100 });
  listings.restore();
  opens.restore();
  assert.equal(listings.count, 1, 'meta/ listed once for three pages');
  assert.equal(opens.count, 50, "only the failed jobs' records were opened");
  assert.ok([...first.jobs, ...again.jobs].every((j) => j.attempts === 0));
  assert.equal(failed.jobs.length, 50);
  assert.ok(
    failed.jobs.every((j) => j.attempts === 1),
    'every failed job shows its record',
  );
});
