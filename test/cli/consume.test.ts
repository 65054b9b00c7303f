import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { jobStatusJson, runCli, sentId, startConsumer, writeScript, type CliResult } from '../support/cli';
import { entries, scratchDir } from '../support/scratch';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const JOB_LINE = new RegExp(`^(SUCCESS|FAILED|RETRY) (${UUID}) (\\d+)ms( exit (\\d+))?(: (.+))?$`);

/** The per-job result lines of a consume run, parsed. */
function results(r: CliResult): { result: string; id: string; rest: string; line: string }[] {
  return r.stdout
    .split('\n')
    .filter((l) => /^(SUCCESS|FAILED|RETRY) /.test(l))
    .map((line) => {
      const m = JOB_LINE.exec(line);
      assert.ok(m, `"${line}" has the form <RESULT> <id> <ms>ms[ exit N][: reason]`);
      return { result: m[1], id: m[2], rest: line.slice(m[1].length + 1 + m[2].length + 1), line };
    });
}

async function statusJson(q: string, id: string) {
  const r = await runCli(['status', q, id, '--json']);
  const json = jobStatusJson(r);
  assert.equal(r.code, (json.state as string) === 'UNKNOWN' ? 66 : 0, `an unknown job exits 66, a known one 0\n${r.stderr}`);
  return json;
}

function setup(t: TestContext) {
  const dir = scratchDir(t, 'consume');
  const q = path.join(dir, 'q');
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  return { dir, q, out };
}

test('consume --once: the handler gets the job in its environment, a data job on stdin; exit 0 files it in success/', async (t) => {
  const { dir, q, out } = setup(t);
  const handler = writeScript(
    dir,
    'record.sh',
    `o="$OUT_DIR/$PACCHETTINO_JOB_ID"
printf '%s\\n' "id=$PACCHETTINO_JOB_ID" "name=$PACCHETTINO_JOB_NAME" "file=$PACCHETTINO_JOB_FILE" "attempt=$PACCHETTINO_JOB_ATTEMPT" > "$o.env"
cat > "$o.stdin"
cp "$PACCHETTINO_JOB_FILE" "$o.payload"
echo "handled $PACCHETTINO_JOB_ID"`,
  );
  const file = path.join(dir, 'a report - v2.txt');
  fs.writeFileSync(file, 'file payload');
  const dataId = sentId(await runCli(['send', q, '--data', 'data\npayload']));
  const fileId = sentId(await runCli(['send', q, '--file', file]));

  const r = await runCli(['consume', q, '--once', '--', handler], { env: { OUT_DIR: out } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    results(r).map((x) => [x.result, x.id]),
    [
      ['SUCCESS', dataId],
      ['SUCCESS', fileId],
    ],
    'oldest first, each once',
  );
  assert.match(r.stdout, new RegExp(`^handled ${dataId}$`, 'm'), "the handler's output is passed through");
  assert.match(r.stderr, /2 succeeded, 0 failed, 0 to retry/);

  const env = (id: string) =>
    Object.fromEntries(
      fs
        .readFileSync(path.join(out, `${id}.env`), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  const dataEnv = env(dataId);
  assert.equal(dataEnv.id, dataId);
  assert.equal(dataEnv.name, '');
  assert.equal(dataEnv.attempt, '1');
  assert.match(dataEnv.file, new RegExp(`/processing/raw-${dataId}\\.\\d+$`)); // the file form: the claim is the payload
  assert.equal(fs.readFileSync(path.join(out, `${dataId}.stdin`), 'utf8'), 'data\npayload');
  assert.equal(fs.readFileSync(path.join(out, `${dataId}.payload`), 'utf8'), 'data\npayload');

  const fileEnv = env(fileId);
  assert.equal(fileEnv.id, fileId);
  assert.equal(fileEnv.name, 'a report - v2.txt');
  assert.equal(fileEnv.attempt, '1');
  assert.match(fileEnv.file, new RegExp(`/processing/fle-${fileId}-a report - v2\\.txt\\.\\d+/a report - v2\\.txt$`));
  assert.equal(fs.readFileSync(path.join(out, `${fileId}.stdin`), 'utf8'), '', 'a file job has nothing on stdin');
  assert.equal(fs.readFileSync(path.join(out, `${fileId}.payload`), 'utf8'), 'file payload');

  assert.deepEqual(entries(path.join(q, 'success')), [`fle-${fileId}-a report - v2.txt`, `raw-${dataId}`].sort());
  for (const d of ['queued', 'processing', 'failed', 'tmp']) assert.deepEqual(entries(path.join(q, d)), [], `${d}/ is empty`);
  assert.equal((await statusJson(q, dataId)).state, 'SUCCESS');
});

test('consume --once: exit 3 files the job in failed/ with reason, exit code and output in its record', async (t) => {
  const { q } = setup(t);
  const id = sentId(await runCli(['send', q, '--data', 'x']));
  const r = await runCli(['consume', q, '--once', '--', 'sh', '-c', 'echo to stdout; echo to stderr >&2; exit 3']);
  assert.equal(r.code, 1, `a failed job: exit 1\n${r.stderr}`);
  const [line] = results(r);
  assert.equal(line.result, 'FAILED');
  assert.equal(line.id, id);
  assert.match(line.rest, /^\d+ms exit 3: exit code 3$/);
  assert.match(r.stderr, /^to stderr$/m, "the handler's stderr is passed through to ours");
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${id}`]);

  const s = await statusJson(q, id);
  assert.equal(s.state, 'FAILED');
  assert.equal(s.reason, 'exit code 3');
  assert.equal(s.attempts, 1);
  assert.equal(s.record?.exitCode, 3);
  assert.match(s.record?.output ?? '', /to stdout/);
  assert.match(s.record?.output ?? '', /to stderr/);

  const text = await runCli(['status', q, id]);
  assert.match(text.stdout, /^FAILED$/m);
  assert.match(text.stdout, /^reason +exit code 3$/m);
  assert.match(text.stdout, /^to stdout$/m);
});

test("consume: a character split across the handler's writes is kept whole in the record's output", async (t) => {
  const { q } = setup(t);
  const id = sentId(await runCli(['send', q, '--data', 'x']));
  // é is 0xC3 0xA9: the two bytes in two writes, apart in time, so they reach us in two reads.
  const r = await runCli(['consume', q, '--once', '--', 'sh', '-c', "printf '\\303'; sleep 0.2; printf '\\251 done\\n'; exit 3"]);
  assert.equal(r.code, 1, r.stderr);
  const s = await statusJson(q, id);
  assert.match(s.record?.output ?? '', /é done/);
});

test('consume --once: exit 75 puts the job back in queued/ with attempts 1, run once only; the next run is attempt 2', async (t) => {
  const { dir, q, out } = setup(t);
  const log = path.join(out, 'runs.log');
  const handler = writeScript(dir, 'retry.sh', 'echo "attempt $PACCHETTINO_JOB_ATTEMPT" >> "$LOG"; exit 75');
  const id = sentId(await runCli(['send', q, '--data', 'again']));

  const first = await runCli(['consume', q, '--once', '--', handler], { env: { LOG: log } });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(
    results(first).map((x) => x.result),
    ['RETRY'],
  );
  assert.match(results(first)[0].rest, /^\d+ms exit 75: exit code 75/);
  assert.match(first.stderr, /0 succeeded, 0 failed, 1 to retry/);
  assert.equal(fs.readFileSync(log, 'utf8'), 'attempt 1\n', 'with --once a retried job is not run again in the same run');
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${id}`]);
  const s = await statusJson(q, id);
  assert.equal(s.state, 'QUEUED');
  assert.equal(s.attempts, 1);

  const second = await runCli(['consume', q, '--once', '--', handler], { env: { LOG: log } });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(fs.readFileSync(log, 'utf8'), 'attempt 1\nattempt 2\n');
  assert.equal((await statusJson(q, id)).attempts, 2);
});

test('consume --max-attempts: the run that reaches the limit files a retrying job as failed', async (t) => {
  const { q } = setup(t);
  const id = sentId(await runCli(['send', q, '--data', 'x']));
  const consume = () => runCli(['consume', q, '--once', '--max-attempts', '2', '--', 'sh', '-c', 'exit 75']);
  await consume();
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${id}`]);
  const r = await consume();
  assert.equal(r.code, 1, `a failed job: exit 1\n${r.stderr}`);
  assert.match(results(r)[0].line, /\(out of attempts: failed\)$/);
  assert.match(r.stderr, /0 succeeded, 1 failed, 0 to retry/);
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${id}`]);
  const s = await statusJson(q, id);
  assert.equal(s.state, 'FAILED');
  assert.equal(s.attempts, 2);
  assert.match(s.reason ?? '', /^gave up after 2 attempts/);
});

test('consume --retry-delay: a retry waits in scheduled/<due>-<job name>', async (t) => {
  const { q } = setup(t);
  const id = sentId(await runCli(['send', q, '--data', 'x']));
  const before = Date.now();
  const r = await runCli(['consume', q, '--once', '--retry-delay', '1h', '--', 'sh', '-c', 'exit 75']);
  const after = Date.now();
  assert.equal(r.code, 0, r.stderr);
  assert.match(results(r)[0].line, /\(scheduled for a later retry\)$/);
  const [entry] = entries(path.join(q, 'scheduled'));
  assert.match(entry, new RegExp(`^\\d+-raw-${id}$`));
  const due = Number(entry.split('-')[0]);
  assert.ok(due >= before + 3_600_000 && due <= after + 3_600_000, `due ${due} is an hour after the run`);
  assert.deepEqual(entries(path.join(q, 'queued')), []);
  const s = await statusJson(q, id);
  assert.equal(s.state, 'SCHEDULED');
  assert.equal(s.attempts, 1);
});

test('consume --timeout: a handler running too long is killed and the job fails as "timed out", without waiting for what it started', async (t) => {
  const { q } = setup(t);
  const id = sentId(await runCli(['send', q, '--data', 'slow']));
  const started = Date.now();
  // `sleep; echo` keeps the shell from exec'ing sleep: the sleep is a grandchild holding the output pipes
  // (orphaned by the timeout, it goes with the consumer's group when the test ends).
  const consumer = startConsumer(t, q, ['--once', '--timeout', '300', '--', 'sh', '-c', 'echo started; sleep 30; echo never']);
  const r = await consumer.exit();
  const took = Date.now() - started;
  assert.equal(r.code, 1, `a failed job: exit 1\n${r.stderr}`);
  assert.ok(took < 4000, `the run ended ${took} ms after it began, not when the sleep did`);
  const [line] = results(r);
  assert.equal(line.result, 'FAILED');
  assert.match(line.rest, /^\d+ms: timed out after 300 ms$/);
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${id}`]);
  const s = await statusJson(q, id);
  assert.match(s.reason ?? '', /timed out/);
  assert.match(s.record?.output ?? '', /started/);
});

test('consume: a handler killed by a signal fails the job with the reason (one that cannot be run is refused up front: exitCodes.test.ts)', async (t) => {
  const { q } = setup(t);
  const killed = sentId(await runCli(['send', q, '--data', 'a']));
  const r = await runCli(['consume', q, '--once', '--', 'sh', '-c', 'kill -9 $$']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(results(r)[0].line, new RegExp(`^FAILED ${killed} \\d+ms: killed by SIGKILL$`));
  assert.deepEqual(entries(path.join(q, 'failed')), [`raw-${killed}`]);
});

test('consume --concurrency 4: 40 jobs each handled exactly once, up to 4 at a time', async (t) => {
  const { dir, q, out } = setup(t);
  const producer = new Pacchettino(q);
  const ids = Array.from({ length: 40 }, (_, i) => producer.sendData(`job ${i}`));
  const log = path.join(out, 'runs.log');
  // Short lines appended with O_APPEND are atomic, so concurrent handlers do not interleave them.
  const handler = writeScript(dir, 'work.sh', 'echo "S $PACCHETTINO_JOB_ID" >> "$LOG"; sleep 0.05; echo "E $PACCHETTINO_JOB_ID" >> "$LOG"');

  const r = await runCli(['consume', q, '--once', '--concurrency', '4', '--', handler], { env: { LOG: log }, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const done = results(r);
  assert.equal(done.length, 40);
  assert.ok(done.every((x) => x.result === 'SUCCESS'));
  assert.deepEqual(done.map((x) => x.id).sort(), [...ids].sort());

  const events = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
  const starts = events.filter((e) => e.startsWith('S ')).map((e) => e.slice(2));
  assert.deepEqual([...starts].sort(), [...ids].sort(), 'each job ran exactly once');
  let running = 0;
  let most = 0;
  for (const e of events) {
    running += e.startsWith('S ') ? 1 : -1;
    most = Math.max(most, running);
  }
  assert.ok(most <= 4, `at most 4 at a time, saw ${most}`);
  assert.ok(most >= 2, `jobs ran side by side, saw at most ${most}`);
  assert.equal(entries(path.join(q, 'success')).length, 40);
  for (const d of ['queued', 'processing', 'failed']) assert.deepEqual(entries(path.join(q, d)), []);
});

test('consume --once: every job line has the form <RESULT> <id> <ms>ms[ exit N][: reason]', async (t) => {
  const { dir, q } = setup(t);
  const handler = writeScript(dir, 'by-data.sh', 'read word; case "$word" in ok) exit 0;; retry) exit 75;; *) exit 9;; esac');
  const ok = sentId(await runCli(['send', q, '--data', 'ok']));
  const retry = sentId(await runCli(['send', q, '--data', 'retry']));
  const bad = sentId(await runCli(['send', q, '--data', 'bad']));
  const r = await runCli(['consume', q, '--once', '--', handler]);
  assert.equal(r.code, 1, `a failed job: exit 1\n${r.stderr}`);
  const lines = results(r);
  assert.deepEqual(
    lines.map((x) => [x.result, x.id]),
    [
      ['SUCCESS', ok],
      ['RETRY', retry],
      ['FAILED', bad],
    ],
  );
  assert.match(lines[0].line, /^SUCCESS \S+ \d+ms$/, 'success: no exit code, no reason');
  assert.match(lines[1].line, /^RETRY \S+ \d+ms exit 75: exit code 75/);
  assert.match(lines[2].line, /^FAILED \S+ \d+ms exit 9: exit code 9$/);
  assert.match(r.stderr, /1 succeeded, 1 failed, 1 to retry/);
});

test('consume --random, --keep and --durable: every job handled once; a success the policy does not keep is deleted', async (t) => {
  const { dir, q, out } = setup(t);
  const producer = new Pacchettino(q);
  const ids = Array.from({ length: 6 }, (_, i) => producer.sendData(`job ${i}`));
  const log = path.join(out, 'runs.log');
  const handler = writeScript(dir, 'log.sh', 'echo "$PACCHETTINO_JOB_ID" >> "$LOG"');

  const r = await runCli(['consume', q, '--once', '--random', '--keep', 'failed,interrupted', '--durable', '--', handler], { env: { LOG: log } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readFileSync(log, 'utf8').trimEnd().split('\n').sort(), [...ids].sort());
  assert.equal(results(r).filter((x) => x.result === 'SUCCESS').length, 6);
  for (const d of ['queued', 'processing', 'success', 'failed']) assert.deepEqual(entries(path.join(q, d)), [], `${d}/ is empty`);
  assert.equal((await statusJson(q, ids[0])).state, 'UNKNOWN');
});
