// The worker (server/worker/out/main.js, started as vscode-languageclient starts it: fork
// with --node-ipc) under attack: every JSON-RPC method sent malformed, missing and oversized
// params by a property-based fuzzer (fast-check), well-formed requests with hostile values,
// a queue full of odd entries, and SIGKILLs in the middle of its recovery sweep.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import * as protocol from '@pacchettino/shared';
import { Pacchettino, newJobId } from 'pacchettino';
import { scratchDir } from '../support/scratch';
import { pidOfExitedProcess } from '../support/processes';
import { WorkerConnection, settingsFor, type RawReply } from '../support/workerConnection';
import { takeCensus, type Census } from './support/census';
import { armKill, killedCall } from './support/killAtSyscall';
import { assertOutsideIntact, plantHostileQueue } from './support/hostileQueue';

const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;
const RUNS = Number(process.env.PACCHETTINO_FUZZ_RUNS ?? 150);

// ---- what each method accepts (the protocol's contract, written from protocol.ts) -------

/** A field: how to make a valid value, whether a value (after a JSON round trip) is valid, and values too big. */
interface Field {
  required: boolean;
  valid: fc.Arbitrary<unknown>;
  ok: (v: unknown) => boolean;
  oversized?: fc.Arbitrary<unknown>;
}

const isAbsPath = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 4096 && !v.includes('\0') && v.startsWith('/');
const isId = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 300 && !v.includes('/') && !v.includes('\0');
const isInt = (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const isState = (v: unknown) => typeof v === 'string' && (protocol.JOB_STATES as readonly string[]).includes(v);
const isFinishedState = (v: unknown) => typeof v === 'string' && (protocol.FINISHED_STATES as readonly string[]).includes(v);
const arrayOf =
  (ok: (v: unknown) => boolean, max: number, min = 0) =>
  (v: unknown) =>
    Array.isArray(v) && v.length >= min && v.length <= max && v.every(ok);
const TEN_YEARS = 10 * 365 * 24 * 3600 * 1000;

function fieldsFor(q: string, file: string): Record<string, Record<string, Field>> {
  const queue: Field = { required: true, valid: fc.constant(q), ok: isAbsPath, oversized: fc.constant(`/${'q'.repeat(4096)}`) };
  const state: Field = { required: true, valid: fc.constantFrom(...protocol.JOB_STATES), ok: isState };
  const id: Field = { required: true, valid: fc.constant(newJobId()), ok: isId, oversized: fc.constant('i'.repeat(301)) };
  const ms: Field = {
    required: false,
    valid: fc.integer({ min: 0, max: 1000 }),
    ok: (v) => v === undefined || isInt(0, TEN_YEARS)(v),
    oversized: fc.constant(TEN_YEARS + 1),
  };
  const bool: Field = { required: false, valid: fc.boolean(), ok: (v) => v === undefined || typeof v === 'boolean' };
  const ids: Field = {
    required: true,
    valid: fc.constant([newJobId()]),
    ok: arrayOf(isId, 10_000),
    oversized: fc.constant(Array.from({ length: 10_001 }, () => 'abc')),
  };
  const states: Field = { required: true, valid: fc.constant(['FAILED']), ok: arrayOf(isState, 12) };
  return {
    [protocol.ConfigureRequest.method]: {
      queues: {
        required: true,
        valid: fc.constant([q]),
        ok: arrayOf(isAbsPath, 256),
        oversized: fc.constant(Array.from({ length: 257 }, (_, i) => `${q}-${i}`)),
      },
      keep: {
        required: true,
        valid: fc.subarray([...protocol.FINISHED_STATES]),
        ok: arrayOf(isFinishedState, 6),
        oversized: fc.constant(Array.from({ length: 7 }, () => 'FAILED')),
      },
      recoveryInterval: {
        required: true,
        valid: fc.constant(3600),
        ok: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= 86_400,
        oversized: fc.constant(86_401),
      },
      pollInterval: {
        required: false,
        valid: fc.constant(1),
        ok: (v) => v === undefined || (typeof v === 'number' && v >= 0.1 && v <= 86_400),
        oversized: fc.constant(86_401),
      },
      watch: bool,
    },
    [protocol.JobsRequest.method]: {
      queue,
      state,
      offset: { required: false, valid: fc.nat(100), ok: (v) => v === undefined || isInt(0, 1e9)(v), oversized: fc.constant(1e9 + 1) },
      limit: { required: false, valid: fc.nat(100), ok: (v) => v === undefined || isInt(0, 1000)(v), oversized: fc.constant(1001) },
      order: { required: false, valid: fc.constantFrom('asc', 'desc'), ok: (v) => v === undefined || v === 'asc' || v === 'desc' },
    },
    [protocol.JobRequest.method]: { queue, id },
    [protocol.EnqueueFilesRequest.method]: {
      queue,
      files: { required: true, valid: fc.constant([file]), ok: arrayOf(isAbsPath, 10_000), oversized: fc.constant(Array.from({ length: 10_001 }, () => file)) },
      move: bool,
      delayMs: ms,
    },
    [protocol.EnqueueDataRequest.method]: {
      queue,
      data: {
        required: true,
        valid: fc.string({ maxLength: 20 }),
        ok: (v) => typeof v === 'string' && Buffer.byteLength(v) <= 8 * 1024 * 1024,
        oversized: fc.constantFrom('x'.repeat(8 * 1024 * 1024 + 1), 'é'.repeat(4 * 1024 * 1024 + 1)),
      },
      delayMs: ms,
    },
    // ids or states: the valid base gives ids only, so dropping them leaves nothing to requeue.
    [protocol.RequeueRequest.method]: {
      queue,
      ids,
      states: { ...states, required: false, valid: fc.constant(undefined), ok: (v) => v === undefined || arrayOf(isState, 12)(v) },
    },
    [protocol.DeleteRequest.method]: { queue, ids },
    [protocol.CleanupRequest.method]: { queue, states, olderThanMs: { ...ms } },
    [protocol.RecoverRequest.method]: { queue: { ...queue, required: false, ok: (v) => v === undefined || isAbsPath(v) } },
  };
}

/** A JSON round trip, as the IPC channel makes one: what the worker will actually see. */
const wire = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

type Malformed = { how: string; params: unknown };

/** Params for `method` that break its contract in one way: not an object, a field missing, wrong or too big. */
function malformed(fields: Record<string, Field>): fc.Arbitrary<Malformed> {
  const names = Object.keys(fields);
  const base = fc.record(Object.fromEntries(names.map((n) => [n, fields[n].valid])));
  const kinds: fc.Arbitrary<Malformed>[] = [
    fc.constant({ how: 'params absent', params: undefined }),
    fc
      .oneof(fc.constant(null), fc.string(), fc.double(), fc.boolean(), fc.array(fc.jsonValue(), { maxLength: 4 }))
      .map((params) => ({ how: 'params not an object', params })),
  ];
  const required = names.filter((n) => fields[n].required);
  if (required.length > 0) {
    kinds.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([o, n]) => {
        const { [n]: _gone, ...rest } = o;
        return { how: `\`${n}\` missing`, params: rest };
      }),
    );
  }
  kinds.push(
    fc
      .tuple(base, fc.constantFrom(...names), fc.jsonValue({ maxDepth: 2 }))
      .filter(([, n, v]) => v !== undefined && !fields[n].ok(wire(v)))
      .map(([o, n, v]) => ({ how: `\`${n}\` wrong: ${JSON.stringify(v).slice(0, 60)}`, params: { ...o, [n]: v } })),
  );
  // An array field with one bad item among good ones.
  const arrays = names.filter((n) => Array.isArray(fc.sample(fields[n].valid, 1)[0]));
  if (arrays.length > 0) {
    kinds.push(
      fc
        .tuple(base, fc.constantFrom(...arrays), fc.jsonValue({ maxDepth: 1 }))
        .map(([o, n, bad]) => ({ n, o, v: [...(o[n] as unknown[]), bad] }))
        .filter(({ n, v }) => !fields[n].ok(wire(v)))
        .map(({ n, o, v }) => ({ how: `\`${n}\` with a bad item`, params: { ...o, [n]: v } })),
    );
  }
  const big = names.filter((n) => fields[n].oversized);
  if (big.length > 0) {
    kinds.push(
      fc.tuple(base, fc.constantFrom(...big)).chain(([o, n]) => fields[n].oversized!.map((v) => ({ how: `\`${n}\` oversized`, params: { ...o, [n]: v } }))),
    );
  }
  return fc.oneof(...kinds);
}

/** What no request may do to the worker: an InternalError reply (a bug), or a crash. */
function assertNoBug(w: WorkerConnection, what: string, reply: RawReply): void {
  assert.notEqual(reply.error?.code, INTERNAL_ERROR, `${what}: InternalError ${String(JSON.stringify(reply.error)).slice(0, 400)}`);
  assert.equal(w.child.exitCode, null, `${what}: the worker exited`);
  const bug = w.logs.find((l) => /Uncaught exception|Unhandled promise rejection|failed unexpectedly/.test(l));
  assert.equal(bug, undefined, `${what}: the worker logged a bug`);
}

async function assertServing(w: WorkerConnection, q: string): Promise<void> {
  const summaries = await w.rpc.sendRequest(protocol.QueuesRequest.type);
  assert.deepEqual(
    summaries.map((s) => [s.path, s.error]),
    [[q, undefined]],
    'still configured with the one queue, and reading it',
  );
}

function sameCensus(a: Census, b: Census): void {
  assert.deepEqual([...b.places].sort(), [...a.places].sort(), 'the queue changed');
}

async function queueWithJobs(t: TestContext): Promise<{ dir: string; q: string; file: string }> {
  const dir = scratchDir(t, 'worker-fuzz');
  const q = path.join(dir, 'q');
  const file = path.join(dir, 'a file.txt');
  fs.writeFileSync(file, 'x');
  const w = await WorkerConnection.start(t, settingsFor([q]));
  for (const data of ['one', 'two']) await w.rpc.sendRequest(protocol.EnqueueDataRequest.type, { queue: q, data });
  await w.crash();
  return { dir, q, file };
}

test(
  `fuzz: every method with malformed, missing and oversized params gets InvalidParams; the worker goes on serving and the queue is untouched (${RUNS} runs per method)`,
  { timeout: 300_000 },
  async (t) => {
    const { q, file } = await queueWithJobs(t);
    const w = await WorkerConnection.start(t, settingsFor([q]));
    const before = takeCensus(q);
    const fields = fieldsFor(q, file);
    let asked = 0;
    for (const [method, f] of Object.entries(fields)) {
      await fc.assert(
        fc.asyncProperty(malformed(f), async ({ how, params }) => {
          const reply = await w.raw(method, params, 30_000);
          asked++;
          assertNoBug(w, `${method} (${how})`, reply);
          assert.equal(reply.error?.code, INVALID_PARAMS, `${method} (${how}): ${JSON.stringify(reply).slice(0, 300)}`);
          assert.ok(reply.error.message.length < 1000, `${method} (${how}): the message echoes the params`);
          if (asked % 50 === 0) await assertServing(w, q);
        }),
        { numRuns: RUNS, includeErrorInReport: true },
      );
    }
    // QueuesRequest takes no params at all: any object or scalar is refused.
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.object({ maxDepth: 1 }), fc.string(), fc.integer(), fc.boolean()), async (params) => {
        const reply = await w.raw(protocol.QueuesRequest.method, params);
        asked++;
        assertNoBug(w, `queues ${JSON.stringify(params)}`, reply);
        assert.equal(reply.error?.code, INVALID_PARAMS, `queues ${JSON.stringify(params)}: ${JSON.stringify(reply)}`);
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
    t.diagnostic(`${asked} malformed requests, each refused with InvalidParams`);
    await assertServing(w, q);
    sameCensus(before, takeCensus(q));
  },
);

test('fuzz: well-formed requests with hostile values (odd ids, paths to devices, FIFOs, folders, loops) never hit a bug', { timeout: 300_000 }, async (t) => {
  const { dir, q } = await queueWithJobs(t);
  const w = await WorkerConnection.start(t, settingsFor([q]));
  const odd = path.join(dir, 'odd');
  fs.mkdirSync(odd);
  fs.symlinkSync(path.join(odd, 'loop'), path.join(odd, 'loop'));
  fs.writeFileSync(path.join(odd, '-rf\nnew line'), 'odd name');
  fs.writeFileSync(path.join(odd, 'n'.repeat(201)), 'too long a name');
  execFileSync('mkfifo', [path.join(odd, 'fifo')]);
  const hostilePaths = [
    '/dev/null',
    '/dev/zero',
    '/dev/stdin',
    '/proc/self/mem',
    '/',
    odd,
    path.join(odd, 'loop'),
    path.join(odd, 'fifo'),
    path.join(odd, 'missing'),
    path.join(odd, '-rf\nnew line'),
    path.join(odd, 'n'.repeat(201)),
    path.join(q, 'queued'),
    path.join(q, '..', '..'),
  ];
  const anyId = fc.oneof(
    fc.string({ minLength: 1, maxLength: 300 }).filter(isId),
    fc.constantFrom('raw-', 'fle-', '..', '.', '-', '*', 'raw-..', 'fle-x-y-z-w-v-..', ' ', '\n'),
  );
  const request = fc.oneof(
    fc.record({ method: fc.constant(protocol.JobRequest.method), params: fc.record({ queue: fc.constant(q), id: anyId }) }),
    fc.record({
      method: fc.constant(protocol.DeleteRequest.method),
      params: fc.record({ queue: fc.constant(q), ids: fc.array(anyId, { minLength: 1, maxLength: 5 }) }),
    }),
    fc.record({
      method: fc.constant(protocol.RequeueRequest.method),
      params: fc.record({ queue: fc.constant(q), ids: fc.array(anyId, { minLength: 1, maxLength: 5 }) }),
    }),
    fc.record({
      method: fc.constant(protocol.EnqueueFilesRequest.method),
      params: fc.record({ queue: fc.constant(q), files: fc.array(fc.constantFrom(...hostilePaths), { minLength: 1, maxLength: 4 }), move: fc.constant(false) }),
    }),
    fc.record({
      method: fc.constant(protocol.EnqueueDataRequest.method),
      params: fc.record({ queue: fc.constant(q), data: fc.string({ unit: 'binary', maxLength: 64 }) }),
    }),
    fc.record({
      method: fc.constant(protocol.JobsRequest.method),
      params: fc.record({
        queue: fc.constant(q),
        state: fc.constantFrom(...protocol.JOB_STATES),
        offset: fc.nat(1e9),
        limit: fc.nat(1000),
        order: fc.constantFrom('asc' as const, 'desc' as const),
      }),
    }),
    fc.record({
      method: fc.constant(protocol.CleanupRequest.method),
      params: fc.record({ queue: fc.constant(q), states: fc.subarray([...protocol.JOB_STATES]), olderThanMs: fc.constant(TEN_YEARS) }),
    }),
    fc.record({ method: fc.constant(protocol.RecoverRequest.method), params: fc.record({ queue: fc.constant(q) }) }),
  );
  await fc.assert(
    fc.asyncProperty(request, async ({ method, params }) => {
      const reply = await w.raw(method, params, 30_000);
      assertNoBug(w, `${method} ${JSON.stringify(params).slice(0, 200)}`, reply);
    }),
    { numRuns: RUNS * 4, includeErrorInReport: true },
  );
  await assertServing(w, q);
  // Whatever was enqueued is whole and in one place; the folders outside are as they were.
  const c = takeCensus(q);
  for (const [name, places] of c.places) assert.equal(places.length, 1, `${name} is in ${String(places)}`);
  assert.deepEqual(c.emptyProcessing, []);
  assert.ok(fs.existsSync(path.join(odd, '-rf\nnew line')));
});

test('a queue full of odd entries: the worker sweeps, lists and answers every request without a bug', { timeout: 120_000 }, async (t) => {
  const p = await plantHostileQueue(scratchDir(t, 'worker-hostile'));
  const w = await WorkerConnection.start(t, settingsFor([p.base]));
  assertNoBug(w, 'configure', {});
  // The start sweep filed the dead owner's payload (not the leftovers beside it).
  assert.equal(fs.readFileSync(path.join(p.base, 'interrupted', p.strayBeside.name), 'utf8'), p.strayBeside.body);
  for (const state of protocol.JOB_STATES) {
    for (const order of ['asc', 'desc'] as const) {
      const reply = await w.raw(protocol.JobsRequest.method, { queue: p.base, state, order, limit: 1000 });
      assertNoBug(w, `jobs ${state}`, reply);
      assert.equal(reply.error, undefined, `jobs ${state}: ${JSON.stringify(reply.error)}`);
      for (const job of (reply.result as protocol.WireJobPage).jobs) {
        const one = await w.raw(protocol.JobRequest.method, { queue: p.base, id: job.name });
        assertNoBug(w, `job ${JSON.stringify(job.name)}`, one);
      }
    }
  }
  const all = fs.readdirSync(path.join(p.base, 'queued')).filter((n) => n.length <= 300 && !n.includes('/'));
  for (const [method, params] of [
    [protocol.RequeueRequest.method, { queue: p.base, states: ['FAILED', 'INTERRUPTED', 'SUCCESS'] }],
    [protocol.DeleteRequest.method, { queue: p.base, ids: all }],
    [protocol.RecoverRequest.method, { queue: p.base }],
    [protocol.CleanupRequest.method, { queue: p.base, states: ['SUCCESS', 'FAILED', 'INTERRUPTED'] }],
  ] as const) {
    assertNoBug(w, method, await w.raw(method, params));
  }
  await assertServing(w, p.base);
  assertOutsideIntact(p);
});

/** Where a sweep is cut: the Nth call of a kind, counted from the worker's configure. */
const SWEEP_CUTS = [
  { at: "the first job's rename into interrupted/", syscalls: ['rename'], when: 1, call: /^rename\(".*\/processing\/raw-[^"]+\/raw", ".*\/interrupted\/raw-/ },
  {
    at: "a job's note (the record rename), its payload already moved",
    syscalls: ['rename'],
    when: 2,
    call: /^rename\(".*\/\.pacchettino\/meta\/\.[^"]+\.tmp", /,
  },
  { at: "the fourth job's rename, three done", syscalls: ['rename'], when: 7, call: /^rename\(".*\/processing\/raw-[^"]+\/raw", ".*\/interrupted\/raw-/ },
  { at: "the rmdir of a filed job's dir", syscalls: ['rmdir'], when: 3, call: /^rmdir\(".*\/processing\/raw-[^"]+"\)/ },
];

for (const cut of SWEEP_CUTS) {
  test(`the worker SIGKILLed mid-sweep at ${cut.at}: a restarted worker finishes the sweep, nothing lost`, { timeout: 120_000 }, async (t) => {
    const dir = scratchDir(t, 'worker-sweep');
    const q = path.join(dir, 'q');
    new Pacchettino(q);
    const dead = await pidOfExitedProcess();
    const jobs = Array.from({ length: 8 }, (_, i) => ({ name: `raw-${newJobId()}`, body: `stranded ${i}` }));
    for (const j of jobs) {
      const d = path.join(q, 'processing', `${j.name}.${dead}`);
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'raw'), j.body);
    }

    // A worker with no queue yet; strace on it; then configure, which sweeps at once.
    const first = await WorkerConnection.start(t);
    const armed = await armKill(first.child.pid!, { syscalls: cut.syscalls, when: cut.when }, path.join(dir, 'strace.log'));
    void first.rpc.sendRequest(protocol.ConfigureRequest.type, settingsFor([q])).catch(() => undefined);
    const exit = await first.exited;
    await armed.done;
    assert.equal(exit.signal, 'SIGKILL', fs.readFileSync(armed.log, 'utf8'));
    const call = killedCall(armed.log);
    assert.ok(call, fs.readFileSync(armed.log, 'utf8'));
    assert.match(`${call.name}(${call.args})`, cut.call);

    // Cut mid-sweep: every job is in processing/ or interrupted/, exactly once, and whole.
    let c = takeCensus(q);
    let moved = 0;
    for (const j of jobs) {
      const where = c.places.get(j.name);
      assert.ok(where?.length === 1 && (where[0] === 'processing' || where[0] === 'interrupted'), `${j.name} is in ${String(where)}`);
      if (where[0] === 'interrupted') moved++;
    }
    assert.ok(moved > 0 || cut.when === 1, 'the sweep was cut part way');
    assert.ok(moved < jobs.length, 'the sweep was cut before its end');

    const second = await WorkerConnection.start(t, settingsFor([q]));
    const [summary] = await second.rpc.sendRequest(protocol.QueuesRequest.type);
    assert.deepEqual(summary.counts, { SCHEDULED: 0, QUEUED: 0, PROCESSING: 0, SUCCESS: 0, FAILED: 0, INTERRUPTED: jobs.length });
    c = takeCensus(q);
    for (const j of jobs) {
      assert.deepEqual(c.places.get(j.name), ['interrupted'], j.name);
      assert.equal(fs.readFileSync(path.join(q, 'interrupted', j.name), 'utf8'), j.body);
    }
    assert.deepEqual(c.emptyProcessing, [], "the cut sweep's half-removed dir is cleared");
    assert.equal([...c.places].length, jobs.length);
  });
}

test(
  'a worker running as a user who cannot write the queue: every change is refused with QueueFailed or per-item errors, never a bug',
  { timeout: 120_000 },
  async (t) => {
    const dir = scratchDir(t, 'worker-nobody');
    fs.chmodSync(dir, 0o755);
    const q = path.join(dir, 'q');
    const core = new Pacchettino(q);
    const failed = core.sendData('to fail');
    core.onData = () => 'FAILED';
    await core.receive();
    await core.close();
    // A dead consumer's job: a sweep would move it, if it could.
    const strandedDir = path.join(q, 'processing', `raw-${newJobId()}.${await pidOfExitedProcess()}`);
    fs.mkdirSync(strandedDir);
    fs.writeFileSync(path.join(strandedDir, 'raw'), 'stranded');
    const file = path.join(dir, 'readable.txt');
    fs.writeFileSync(file, 'x', { mode: 0o644 });
    const before = takeCensus(q);

    const w = await WorkerConnection.start(t, settingsFor([q]), { asUser: 65534 });
    const asks: [string, object][] = [
      [protocol.RecoverRequest.method, { queue: q }],
      [protocol.RecoverRequest.method, {}],
      [protocol.EnqueueDataRequest.method, { queue: q, data: 'x' }],
      [protocol.EnqueueFilesRequest.method, { queue: q, files: [file] }],
      [protocol.RequeueRequest.method, { queue: q, ids: [failed] }],
      [protocol.RequeueRequest.method, { queue: q, states: ['FAILED', 'INTERRUPTED'] }],
      [protocol.DeleteRequest.method, { queue: q, ids: [failed] }],
      [protocol.CleanupRequest.method, { queue: q, states: ['SUCCESS', 'FAILED', 'INTERRUPTED'] }],
      [protocol.JobsRequest.method, { queue: q, state: 'FAILED' }],
      [protocol.JobRequest.method, { queue: q, id: failed }],
    ];
    for (const [method, params] of asks) {
      const reply = await w.rpc.sendRequest(method, params).then(
        (result) => ({ result, error: undefined as undefined | { code: number; data?: { code?: string } } }),
        (error: { code: number; data?: { code?: string } }) => ({ result: undefined, error }),
      );
      const what = `${method} ${JSON.stringify(params)}`;
      assert.notEqual(reply.error?.code, INTERNAL_ERROR, `${what}: ${JSON.stringify(reply.error)}`);
      if (reply.error) {
        assert.equal(reply.error.code, protocol.WorkerErrorCodes.QueueFailed, `${what}: ${JSON.stringify(reply.error)}`);
        assert.equal(reply.error.data?.code, 'NO_ACCESS', what);
      }
      const r = reply.result as { errors?: { message: string }[] } | undefined;
      for (const e of r?.errors ?? []) assert.match(e.message, /Permission denied|EACCES/, `${what}: ${e.message}`);
    }
    const recoverReply = await w.rpc.sendRequest(protocol.RecoverRequest.type, { queue: q }).then(
      () => undefined,
      (e: { code: number }) => e.code,
    );
    assert.equal(recoverReply, protocol.WorkerErrorCodes.QueueFailed, 'recover on a queue it cannot change is QueueFailed');
    assert.equal(w.child.exitCode, null);
    assert.equal(
      w.logs.find((l) => /Uncaught exception|Unhandled promise rejection|failed unexpectedly/.test(l)),
      undefined,
    );
    sameCensus(before, takeCensus(q));
  },
);
