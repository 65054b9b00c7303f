import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobStatusJson, runCli, sentId } from '../support/cli';
import { holdFlock } from '../support/flock';
import { layOutQueue, originalToken, uuidV7, writeOwnerFile, writeProcessing, writeQueuedData } from '../support/originalLayout';
import { pidOfExitedProcess, startIdleProcess } from '../support/processes';
import { entries, scratchDir } from '../support/scratch';

type Finished = 'success' | 'failed' | 'interrupted';

/** A queue laid out by hand as the original leaves it, and a clock for distinct job ids. */
function handLaidQueue(t: TestContext) {
  const q = path.join(scratchDir(t, 'maintain'), 'q');
  layOutQueue(q);
  let n = 0;
  const base = Date.now();
  const nextId = () => uuidV7(base, n++);
  /**
   * A finished job: sent, then renamed from queued/ into its state folder, as the original
   * files it. `payloadAgeMs` backdates the payload's mtime (a moved send keeps its sender's),
   * which must not make the job look long finished.
   */
  const finished = (state: Finished, payloadAgeMs = 0): string => {
    const id = nextId();
    const name = writeQueuedData(q, id, `payload ${id}`);
    const dest = path.join(q, state, name);
    if (payloadAgeMs) {
      const then = new Date(Date.now() - payloadAgeMs);
      fs.utimesSync(path.join(q, 'queued', name), then, then);
    }
    fs.renameSync(path.join(q, 'queued', name), dest);
    return id;
  };
  return { q, nextId, finished };
}

async function run(args: string[], expectedCode = 0) {
  const r = await runCli(args);
  assert.equal(r.code, expectedCode, `pacchettino ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A job's status; an unknown one (deleted, say) exits 66. */
const state = async (q: string, id: string) => {
  const r = await runCli(['status', q, id, '--json']);
  const json = jobStatusJson(r);
  assert.equal(r.code, (json.state as string) === 'UNKNOWN' ? 66 : 0, r.stderr);
  return json;
};

test('requeue <id>: a failed job goes back to queued/ with a fresh attempt count, and runs again', async (t) => {
  const q = path.join(scratchDir(t, 'requeue'), 'q');
  const id = sentId(await run(['send', q, '--data', 'x']));
  const other = sentId(await run(['send', q, '--data', 'y']));
  await run(['consume', q, '--once', '--', 'sh', '-c', 'exit 4'], 1);
  assert.equal((await state(q, id)).attempts, 1);

  const r = await run(['requeue', q, id, `raw-${other}`]);
  assert.equal(r.stdout, '2 requeued\n');
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${id}`, `raw-${other}`]);
  assert.deepEqual(entries(path.join(q, 'failed')), []);
  const s = await state(q, id);
  assert.equal(s.state, 'QUEUED');
  assert.equal(s.attempts, 0);
  assert.equal(s.reason, undefined);

  const again = await run(['consume', q, '--once', '--', 'sh', '-c', '[ "$PACCHETTINO_JOB_ATTEMPT" = 1 ]']);
  assert.match(again.stdout, new RegExp(`^SUCCESS ${id} `, 'm'));
});

test('requeue --all: failed and interrupted jobs; --failed or --interrupted: only those', async (t) => {
  const { q, finished } = handLaidQueue(t);
  const failed = [finished('failed'), finished('failed')];
  const interrupted = finished('interrupted');
  const succeeded = finished('success');

  assert.equal((await run(['requeue', q, '--all', '--failed'])).stdout, '2 requeued\n');
  assert.deepEqual(
    entries(path.join(q, 'queued')),
    failed.map((id) => `raw-${id}`),
  );
  assert.deepEqual(entries(path.join(q, 'interrupted')), [`raw-${interrupted}`]);

  const failedAgain = finished('failed');
  assert.equal((await run(['requeue', q, '--all', '--interrupted'])).stdout, '1 requeued\n');
  assert.deepEqual(entries(path.join(q, 'interrupted')), []);
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${failedAgain}`]);

  const interruptedAgain = finished('interrupted');
  assert.equal((await run(['requeue', q, '--all'])).stdout, '2 requeued\n');
  assert.deepEqual(entries(path.join(q, 'queued')), [...failed, interrupted, failedAgain, interruptedAgain].map((id) => `raw-${id}`).sort());
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${succeeded}`], 'succeeded jobs stay');
  assert.equal((await run(['requeue', q, '--all'])).stdout, '0 requeued\n');
});

test('requeue: unknown (66) or queued (75, busy) ids and wrong flag combinations are errors', async (t) => {
  const { q, nextId, finished } = handLaidQueue(t);
  const queued = nextId();
  writeQueuedData(q, queued, 'q');
  const failed = finished('failed');

  const unknown = await run(['requeue', q, nextId()], 66);
  assert.match(unknown.stderr, /^pacchettino: No job \S+ in this queue$/m);
  assert.match((await run(['requeue', q, queued], 75)).stderr, /is queued; only failed, interrupted, succeeded or scheduled jobs can be requeued/);
  assert.match((await run(['requeue', q], 64)).stderr, /requeue needs job ids, or --all/);
  assert.match((await run(['requeue', q, failed, '--all'], 64)).stderr, /ids or --all, not both/);
  assert.match((await run(['requeue', q, failed, '--failed'], 64)).stderr, /go with --all/);
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${failed}`], 'nothing moved');
});

test('cleanup: deletes finished jobs (all three states by default, or those flagged), never queued, scheduled or running ones', async (t) => {
  const { q, nextId, finished } = handLaidQueue(t);
  const idle = await startIdleProcess(t);
  const s = finished('success');
  const f = finished('failed');
  const i = finished('interrupted');
  writeQueuedData(q, nextId(), 'waiting');
  writeProcessing(q, `raw-${nextId()}`, idle.pid!, 'running');
  await run(['send', q, '--data', 'later', '--delay', '1h']);

  assert.equal((await run(['cleanup', q, '--success'])).stdout, '1 deleted\n');
  assert.deepEqual(entries(path.join(q, 'success')), []);
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${f}`]);

  const f2 = finished('failed');
  assert.equal((await run(['cleanup', q, '--failed', '--interrupted'])).stdout, '3 deleted\n');
  assert.deepEqual(entries(path.join(q, 'interrupted')), []);

  finished('success');
  finished('failed');
  finished('interrupted');
  assert.equal((await run(['cleanup', q])).stdout, '3 deleted\n');
  for (const d of ['success', 'failed', 'interrupted']) assert.deepEqual(entries(path.join(q, d)), [], `${d}/ emptied`);
  assert.equal(entries(path.join(q, 'queued')).length, 1);
  assert.equal(entries(path.join(q, 'processing')).length, 1);
  assert.equal(entries(path.join(q, 'scheduled')).length, 1);
  for (const id of [s, f, i, f2]) assert.equal((await state(q, id)).state, 'UNKNOWN');
});

test('cleanup --older-than: only jobs that finished longer ago than that, whatever their mtime', async (t) => {
  const { q, finished } = handLaidQueue(t);
  const oldSuccess = finished('success');
  const oldFailed = finished('failed');
  // Age is the time since the rename into the state folder: let these two age for real.
  const agedFrom = Date.now();
  while (Date.now() - agedFrom < 3000) await new Promise((r) => setTimeout(r, 50));
  const newSuccess = finished('success', 2 * 3_600_000);
  const newFailed = finished('failed', 2 * 3_600_000);

  assert.equal((await run(['cleanup', q, '--older-than', '1500'])).stdout, '2 deleted\n');
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${newSuccess}`]);
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${newFailed}`]);
  assert.equal((await state(q, oldSuccess)).state, 'UNKNOWN');
  assert.equal((await state(q, oldFailed)).state, 'UNKNOWN');

  assert.equal((await run(['cleanup', q, '--failed'])).stdout, '1 deleted\n');
  assert.deepEqual(entries(path.join(q, 'success')), [`raw-${newSuccess}`]);
  assert.match((await run(['cleanup', q, '--older-than', 'yesterday'], 64)).stderr, /not a duration: "yesterday"/);
});

test('recover: jobs of dead consumers (pid or lock owners) go to interrupted/, live ones stay', async (t) => {
  const { q, nextId } = handLaidQueue(t);
  const idle = await startIdleProcess(t);
  const deadPid = nextId();
  const deadToken = nextId();
  const livePid = nextId();
  const liveToken = nextId();
  writeProcessing(q, `raw-${deadPid}`, await pidOfExitedProcess(), 'dead pid');
  const token = originalToken();
  writeOwnerFile(q, token);
  writeProcessing(q, `raw-${deadToken}`, token, 'dead token');
  writeProcessing(q, `raw-${livePid}`, idle.pid!, 'live pid');
  const heldToken = originalToken();
  const held = await holdFlock(writeOwnerFile(q, heldToken));
  t.after(() => held.release());
  writeProcessing(q, `raw-${liveToken}`, heldToken, 'live token');

  const r = await run(['recover', q]);
  assert.deepEqual(r.stdout.trimEnd().split('\n').sort(), ['2 recovered', `interrupted raw-${deadPid}`, `interrupted raw-${deadToken}`].sort());
  assert.deepEqual(entries(path.join(q, 'interrupted')), [`raw-${deadPid}`, `raw-${deadToken}`].sort());
  assert.equal(fs.readFileSync(path.join(q, 'interrupted', `raw-${deadToken}`), 'utf8'), 'dead token');
  assert.deepEqual(entries(path.join(q, 'processing')), [`raw-${livePid}.${idle.pid}`, `raw-${liveToken}.${heldToken}`].sort());
  assert.equal((await state(q, deadPid)).attempts, 1);
  assert.equal((await run(['recover', q])).stdout, '0 recovered\n');
});

test("recover --keep success: a dead consumer's job is dropped, as the policy keeps no interrupted jobs", async (t) => {
  const { q, nextId } = handLaidQueue(t);
  const id = nextId();
  writeProcessing(q, `raw-${id}`, await pidOfExitedProcess(), 'dropped');
  const r = await run(['recover', q, '--keep', 'success']);
  assert.equal(r.stdout, `interrupted raw-${id}\n1 recovered\n`);
  assert.deepEqual(entries(path.join(q, 'processing')), []);
  assert.deepEqual(entries(path.join(q, 'interrupted')), []);
});
