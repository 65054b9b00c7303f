import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { jobPageJson, jobStatusJson, queueStatusJson, runCli, sentId } from '../support/cli';
import { uuidV7, writeProcessing } from '../support/originalLayout';
import { pidOfExitedProcess, startIdleProcess } from '../support/processes';
import { scratchDir } from '../support/scratch';

const STATES = ['scheduled', 'queued', 'processing', 'success', 'failed', 'interrupted'] as const;
type State = (typeof STATES)[number];

async function ok(args: string[]) {
  const r = await runCli(args);
  assert.equal(r.code, 0, `pacchettino ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A queue with one job in each state, each put there the way it gets there in real use. */
async function queueWithEveryState(t: TestContext): Promise<{ q: string; ids: Record<State, string>; owner: number }> {
  const dir = scratchDir(t, 'inspect');
  const q = path.join(dir, 'q');
  const good = sentId(await ok(['send', q, '--data', 'good']));
  const bad = sentId(await ok(['send', q, '--data', 'bad']));
  const consumed = await runCli(['consume', q, '--once', '--', 'sh', '-c', 'read w; echo "saw $w"; [ "$w" = good ]']);
  assert.equal(consumed.code, 1, `one job failed: exit 1\n${consumed.stderr}`);

  const dead = uuidV7(Date.now());
  writeProcessing(q, `raw-${dead}`, await pidOfExitedProcess(), 'dead');
  await ok(['recover', q]);

  const idle = await startIdleProcess(t);
  const running = uuidV7(Date.now(), 1);
  writeProcessing(q, `raw-${running}`, idle.pid!, 'running');

  fs.writeFileSync(path.join(dir, 'my - file.txt'), 'a file');
  const queued = sentId(await ok(['send', q, '--file', path.join(dir, 'my - file.txt')]));
  const scheduled = sentId(await ok(['send', q, '--data', 'later', '--delay', '1h']));
  return { q, owner: idle.pid!, ids: { scheduled, queued, processing: running, success: good, failed: bad, interrupted: dead } };
}

test('status and ls on a queue with a job in each state', async (t) => {
  const { q, ids, owner } = await queueWithEveryState(t);

  await t.test('status: a count per state, as text and --json', async () => {
    const text = await ok(['status', q]);
    assert.equal(text.stdout, STATES.map((s) => `${s.padEnd(12)}1\n`).join(''));
    const json = queueStatusJson(await ok(['status', q, '--json']));
    assert.equal(json.queue, q);
    assert.deepEqual(json.counts, { SCHEDULED: 1, QUEUED: 1, PROCESSING: 1, SUCCESS: 1, FAILED: 1, INTERRUPTED: 1 });
  });

  await t.test('status <id> --json: the state of each job, found by bare id or by job name', async () => {
    await Promise.all(
      STATES.map(async (state) => {
        const s = jobStatusJson(await ok(['status', q, ids[state], '--json']));
        assert.equal(s.state, state.toUpperCase());
        assert.equal(s.id, ids[state]);
      }),
    );
    const byName = jobStatusJson(await ok(['status', q, `raw-${ids.success}`, '--json']));
    assert.equal(byName.state, 'SUCCESS');
    const file = jobStatusJson(await ok(['status', q, ids.queued, '--json']));
    assert.equal(file.kind, 'file');
    assert.equal(file.originalName, 'my - file.txt');
    assert.equal(file.name, `fle-${ids.queued}-my - file.txt`);
    assert.equal(file.size, 6);
  });

  await t.test('status <id>: the details that matter for each state, as text', async () => {
    const failed = (await ok(['status', q, ids.failed])).stdout;
    assert.match(failed, /^FAILED\n/);
    assert.match(failed, new RegExp(`^id +${ids.failed}$`, 'm'));
    assert.match(failed, new RegExp(`^name +raw-${ids.failed}$`, 'm'));
    assert.match(failed, /^attempts +1$/m);
    assert.match(failed, /^reason +exit code 1$/m);
    assert.match(failed, /^output:\nsaw bad$/m);
    assert.match((await ok(['status', q, ids.scheduled])).stdout, /^due at +\d{4}-\d\d-\d\dT/m);
    assert.match((await ok(['status', q, ids.processing])).stdout, new RegExp(`^owner +${owner}$`, 'm'));
    assert.match((await ok(['status', q, ids.interrupted])).stdout, /^reason +interrupted: its consumer \(pid \d+\) died/m);
  });

  await t.test('status <job>: an id prefix, a file name and a pasted path of any state find the same job as its id', async () => {
    const forms: [string, State][] = [
      [ids.failed.slice(0, 20), 'failed'],
      [ids.queued.slice(0, 24), 'queued'],
      ['my - file.txt', 'queued'],
      [path.join(q, 'queued', `fle-${ids.queued}-my - file.txt`), 'queued'],
      [path.join(q, 'success', `raw-${ids.success}`), 'success'],
      [path.join(q, 'processing', `raw-${ids.processing}.${owner}`, 'raw'), 'processing'],
      [path.join(q, 'scheduled', fs.readdirSync(path.join(q, 'scheduled'))[0]), 'scheduled'],
    ];
    for (const [form, state] of forms) {
      const s = JSON.parse((await ok(['status', q, form, '--json'])).stdout) as { id: string; state: string };
      assert.equal(s.id, ids[state], form);
      assert.equal(s.state, state.toUpperCase(), form);
    }
    const text = (await ok(['status', q, ids.failed.slice(0, 20)])).stdout;
    assert.match(text, /^attempt 1 +\d{4}-\d\d-\d\dT\S+ +\d+\.\d s +FAILED exit 1: exit code 1$/m, 'each attempt on a line');
  });

  await t.test('status <job>: a prefix too short or naming several jobs is refused (exit 65), naming the candidates', async () => {
    const short = await runCli(['status', q, ids.failed.slice(0, 6)]);
    assert.equal(short.code, 65);
    assert.match(short.stderr, /at least 8 characters/);
    const ms = Date.now();
    const twins = [uuidV7(ms, 11), uuidV7(ms, 12)];
    for (const id of twins) fs.writeFileSync(path.join(q, 'failed', `raw-${id}`), 'twin');
    const both = await runCli(['status', q, twins[0].slice(0, 13)]);
    assert.equal(both.code, 65, both.stderr);
    assert.match(both.stderr, new RegExp(`names 2 jobs: ${twins[0]} \\(failed\\), ${twins[1]} \\(failed\\)`));
    for (const id of twins) fs.rmSync(path.join(q, 'failed', `raw-${id}`));
  });

  await t.test('status <unknown id>: UNKNOWN, exit 66', async () => {
    const unknown = uuidV7(Date.now(), 7);
    const text = await runCli(['status', q, unknown]);
    assert.equal(text.code, 66);
    assert.equal(text.stdout, 'UNKNOWN\n');
    const json = await runCli(['status', q, unknown, '--json']);
    assert.equal(json.code, 66);
    assert.deepEqual(jobStatusJson(json), { id: unknown, state: 'UNKNOWN' });
  });

  await t.test('ls <state>: each state lists its job, as text and --json', async () => {
    const tables = new Map<State, string>();
    await Promise.all(
      STATES.map(async (state) => {
        const page = jobPageJson(await ok(['ls', q, state, '--json']));
        assert.equal(page.state, state.toUpperCase());
        assert.equal(page.total, 1);
        assert.deepEqual(
          page.jobs.map((j) => j.id),
          [ids[state]],
          state,
        );
        const text = (await ok(['ls', q, state])).stdout;
        const lines = text.split('\n');
        assert.match(lines[0], /^ID +NAME +SIZE +SENT +ATTEMPTS +NOTE$/);
        assert.ok(lines[1].startsWith(ids[state]), `${state}: ${lines[1]}`);
        tables.set(state, text);
      }),
    );
    assert.match(tables.get('queued')!.split('\n')[1], /my - file\.txt +6 B +\d{4}-/);
    assert.match(tables.get('scheduled')!, /due \d{4}-\d\d-\d\dT/);
    assert.match(tables.get('processing')!, new RegExp(`owner ${owner}$`, 'm'));
    assert.match(tables.get('failed')!, /exit code 1$/m);
    assert.equal(jobPageJson(await ok(['ls', q, 'FAILED', '--json'])).total, 1, 'state names in any case');
  });
});

test('ls --limit, --offset and --desc page through a state, oldest first by default', async (t) => {
  const q = path.join(scratchDir(t, 'ls-pages'), 'q');
  const producer = new Pacchettino(q);
  const ids = Array.from({ length: 5 }, (_, i) => producer.sendData(`job ${i}`));
  const page = async (...flags: string[]) => {
    const p = jobPageJson(await ok(['ls', q, 'queued', '--json', ...flags]));
    assert.equal(p.total, 5);
    return p.jobs.map((j) => j.id);
  };
  assert.deepEqual(await page(), ids);
  assert.deepEqual(await page('--limit', '2'), ids.slice(0, 2));
  assert.deepEqual(await page('--limit', '2', '--offset', '1'), ids.slice(1, 3));
  assert.deepEqual(await page('--offset', '4'), ids.slice(4));
  assert.deepEqual(await page('--offset', '9'), []);
  assert.deepEqual(await page('--desc'), [...ids].reverse());
  assert.deepEqual(await page('--desc', '--limit', '2'), [ids[4], ids[3]]);
  assert.deepEqual(await page('--desc', '--limit', '2', '--offset', '1'), [ids[3], ids[2]]);

  const text = (await ok(['ls', q, 'queued', '--limit', '2'])).stdout.trimEnd().split('\n');
  assert.equal(text.length, 4, 'a header, two rows, and what is left');
  assert.equal(text[3], '… 3 more (--offset, --limit)');
  assert.equal((await ok(['ls', q, 'success'])).stdout.trimEnd().split('\n').length, 1, 'an empty state: the header alone');
});
