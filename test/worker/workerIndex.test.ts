import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LISTABLE_STATES, Pacchettino, type ListableState } from 'pacchettino';
import * as protocol from '@pacchettino/shared';
import { NOBODY } from '../support/cli';
import { burstOfChanges } from '../support/queueBurst';
import { queuePath, scratchDir } from '../support/scratch';
import { WorkerConnection, settingsFor } from '../support/workerConnection';

/** Polling so seldom that only the watch (or a request) can tell the worker of a change. */
const NO_POLLING = { pollInterval: 3600 };
/** The largest page the worker gives. */
const PAGE = 1000;

/** The worker's counts and each state's ids in the tree's order, against a fresh look of a queue of our own. */
async function assertSameAsFreshListing(w: WorkerConnection, q: string): Promise<void> {
  const fresh = new Pacchettino(q, { watch: false });
  const [summary] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.deepEqual(summary.counts, fresh.counts());
  for (const state of LISTABLE_STATES) {
    const ids: string[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await w.rpc.sendRequest(protocol.JobsRequest.type, { queue: q, state, offset, limit: PAGE });
      ids.push(...page.jobs.map((j) => j.id));
      if (offset + PAGE >= page.total) break;
    }
    assert.deepEqual(ids, fresh.matchingIds(state), `${state}: the worker's pages are the fresh listing`);
  }
}

test("the worker's view stays right through a burst of sends, claims and finishes by other processes", async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q], NO_POLLING));
  await burstOfChanges(t, q, 600);
  await assertSameAsFreshListing(w, q);
  const [summary] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.equal(summary.watching, true);
  assert.deepEqual(
    { SUCCESS: summary.counts?.SUCCESS, FAILED: summary.counts?.FAILED, PROCESSING: summary.counts?.PROCESSING },
    { SUCCESS: 200, FAILED: 200, PROCESSING: 1 },
  );
});

test('a request sees a change made just before it was sent, as a listing would (no waiting for the watch)', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q], NO_POLLING));
  const sender = new Pacchettino(q);
  for (let i = 1; i <= 20; i++) {
    const id = sender.sendData(`job ${i}`);
    const page = await w.rpc.sendRequest(protocol.JobsRequest.type, { queue: q, state: 'QUEUED', order: 'desc', limit: 1 });
    assert.equal(page.total, i);
    assert.equal(page.jobs[0]?.id, id);
  }
});

test('a state folder replaced under the worker (another folder renamed over it) is watched and listed anew by the next request', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q], NO_POLLING));
  new Pacchettino(q).sendData('in the first queued/');
  const first = await w.rpc.sendRequest(protocol.JobsRequest.type, { queue: q, state: 'QUEUED' });
  assert.equal(first.total, 1);
  const other = queuePath(t, 'other');
  const ids = [1, 2, 3].map((i) => new Pacchettino(other).sendData(`job ${i}`));
  fs.renameSync(path.join(q, 'queued'), path.join(q, 'queued.old'));
  fs.renameSync(path.join(other, 'queued'), path.join(q, 'queued'));
  const page = await w.rpc.sendRequest(protocol.JobsRequest.type, { queue: q, state: 'QUEUED' });
  assert.deepEqual(
    page.jobs.map((j) => j.id),
    ids,
  );
  await assertSameAsFreshListing(w, q);
});

test('events lost to an inotify overflow (the worker stopped while a burst of sends filled its queue) are made good by a listing', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q], NO_POLLING));
  const [first] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.equal(first.counts?.QUEUED, 0);
  // More events than inotify queues for one process: the kernel drops the rest, and says so only by IN_Q_OVERFLOW.
  // The flood goes to scheduled/ (so many reports have that folder listed anyway); the jobs sent after it, whose
  // reports are the ones dropped, to queued/: only the loss tells the worker to look there again.
  const flood = Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8')) + 1000;
  const sender = new Pacchettino(q, { watch: false });
  const since = w.changes.length;
  w.child.kill('SIGSTOP');
  try {
    for (let i = 0; i < flood; i++) sender.sendData('later', { delay: 3_600_000 });
    for (let i = 0; i < 10; i++) sender.sendData('now');
  } finally {
    w.child.kill('SIGCONT');
  }
  await w.waitForSummary(q, (s) => s.counts?.QUEUED === 10 && s.counts.SCHEDULED === flood, since, 30_000);
  await assertSameAsFreshListing(w, q);
});

test('a queue whose watch cannot be set up is polled and listed, and its view stays right', async (t) => {
  const dir = scratchDir(t);
  fs.chmodSync(dir, 0o755); // mkdtemp makes it 0700: let the worker in
  const q = path.join(dir, 'q');
  new Pacchettino(q).sendData('before');
  fs.chownSync(q, NOBODY, NOBODY);
  // A folder the worker watches but, as nobody, may not read: inotify refuses the watch (EACCES).
  const progress = path.join(q, '.pacchettino', 'progress');
  fs.mkdirSync(progress, { recursive: true });
  fs.chmodSync(progress, 0o700);
  const w = await WorkerConnection.start(t, settingsFor([q], { pollInterval: 0.1 }), { asUser: NOBODY });
  await w.waitForSummary(q, (s) => s.watching === false);
  assert.ok(
    w.logs.some((l) => /Watching .* failed .*; polling it instead/.test(l)),
    w.logs.join('\n'),
  );
  const since = w.changes.length;
  await burstOfChanges(t, q, 90);
  const fresh = new Pacchettino(q, { watch: false }).counts();
  await w.waitForSummary(q, (s) => sameCounts(s.counts, fresh), since);
  await assertSameAsFreshListing(w, q);
});

test('a shared queue (other machines write it: no watch hears them) is polled and listed, and its view stays right', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q], { shared: true, pollInterval: 0.1 }));
  const [summary] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.equal(summary.error, undefined);
  const since = w.changes.length;
  await burstOfChanges(t, q, 90);
  const fresh = new Pacchettino(q, { watch: false, shared: true }).counts();
  await w.waitForSummary(q, (s) => sameCounts(s.counts, fresh), since);
  await assertSameAsFreshListing(w, q);
});

function sameCounts(a: Record<ListableState, number> | undefined, b: Record<ListableState, number>): boolean {
  return a !== undefined && LISTABLE_STATES.every((s) => a[s] === b[s]);
}

test('counts taken right after the worker promotes a due job show it queued, not still scheduled (the index hears its own moves)', async (t) => {
  const q = queuePath(t);
  const w = await WorkerConnection.start(t, settingsFor([q], NO_POLLING));
  const sender = new Pacchettino(q);
  // A notification only comes once the watches have started: from then on the index answers from its reports.
  const since = w.changes.length;
  sender.sendData('before');
  await w.waitForSummary(q, (s) => s.counts?.QUEUED === 1, since);
  let promoted = 0;
  for (let i = 1; i <= 5; i++) {
    const before = w.changes.length;
    sender.sendData(`due ${i}`, { delay: 1 });
    const due = Date.now() + 2;
    while (Date.now() < due); // the job falls due (the clock, not an event: 2 ms)
    // The reply's summary promotes what is due, then counts. (The worker's scheduler may hold a
    // listing of scheduled/ back, its timer promoting later: then the job is still scheduled.)
    const [summary] = await w.rpc.sendRequest(protocol.QueuesRequest.type);
    const { SCHEDULED, QUEUED } = summary.counts ?? {};
    assert.equal((SCHEDULED ?? 0) + (QUEUED ?? 0), 1 + i, `round ${i}: every job counted once`);
    if (SCHEDULED === 0) promoted++;
    // Moved either way by now: the next round starts with nothing due.
    await w.waitForSummary(q, (s) => s.counts?.SCHEDULED === 0 && s.counts.QUEUED === 1 + i, before);
  }
  // Stale counts would show every job promoted by the reply's own summary still scheduled.
  assert.ok(promoted > 0, 'some reply counted the job its own summary promoted as queued');
  await assertSameAsFreshListing(w, q);
});
