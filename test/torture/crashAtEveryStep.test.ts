// A crash at every step of a job's life (FORMAT.md "Send", "Claim and process", "Crash
// recovery"): a real SIGKILL delivered by strace at the entry of one exact system call of
// the real consumer or producer, then the state on disk, recovery, and a fresh consumer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, type Job } from 'pacchettino';
import { scratchDir } from '../support/scratch';
import { waitForUnlock } from '../support/flock';
import { armKill, heldCall, killHeld, killedCall, type KillSpec } from './support/killAtSyscall';
import { SteppedChild } from './support/steppedChild';
import { namesIn, takeCensus } from './support/census';

interface JobPaths {
  base: string;
  name: string;
  queued: string;
  /** processing/<name>.<owner>: a dir (the dir form), or the payload itself (the file form) */
  entry: string;
  payload: string;
  success: string;
}

interface ConsumerStep {
  step: string;
  /** Killed on entry to this call, or (hold) held at its exit and killed there. */
  kill: (p: JobPaths) => KillSpec;
  /** The call strace must have killed the consumer on (checked against its log). */
  killedOn: (p: JobPaths) => { name: RegExp; args: string };
  /** What the handler log holds after the kill. */
  handlerLog: string[];
  /** processing/ right after the kill: the claim with its payload, an empty claim dir, or nothing. */
  processing: 'payload' | 'empty' | 'none';
  /** Where the job is right after the kill, besides processing/. */
  also: 'queued' | 'success' | 'nowhere';
  /** After recovery and a fresh consumer: where the job ends, and whether the fresh consumer ran it. */
  end: 'success' | 'interrupted';
  rerun: boolean;
}

/** Steps both forms share: a kill once the payload is claimed and before it is filed. */
const HELD_STEPS: ConsumerStep[] = [
  {
    step: 'right after the claim rename, before the handler',
    kill: (p) => ({ syscalls: ['rename'], paths: [p.queued], hold: true }),
    killedOn: (p) => ({ name: /^rename$/, args: `"${p.queued}", "${p.payload}"` }),
    handlerLog: [],
    processing: 'payload',
    also: 'nowhere',
    end: 'interrupted',
    rerun: false,
  },
  {
    step: 'inside the handler (reading its payload)',
    // The consumer opens the payload (checking it is the regular file claimed) before the
    // handler runs; the handler's read of a data job's bytes is the first read of that
    // descriptor, a file job's handler reads the payload by its path.
    kill: (p) => ({ syscalls: ['read'], paths: [p.payload] }),
    killedOn: (p) => ({ name: /^read$/, args: `<${p.payload}>` }),
    handlerLog: ['B'],
    processing: 'payload',
    also: 'nowhere',
    end: 'interrupted',
    rerun: false,
  },
  {
    step: 'after the handler returned, at the result rename',
    kill: (p) => ({ syscalls: ['rename'], paths: [p.payload] }), // the payload's first rename as a source
    killedOn: (p) => ({ name: /^rename$/, args: `"${p.payload}", "${p.success}"` }),
    handlerLog: ['B', 'E'],
    processing: 'payload',
    also: 'nowhere',
    end: 'interrupted',
    rerun: false,
  },
];

/**
 * Every step of a claim in each form (server/src/core/processingEntry.ts). Data jobs take the
 * file form: the claim rename and the result rename are its only steps. File jobs take the
 * original's dir form: mkdir, rename in, rename out, rmdir.
 */
const STEPS: Record<'data' | 'file', ConsumerStep[]> = {
  data: [
    {
      step: 'at the claim rename (nothing claimed yet)',
      kill: (p) => ({ syscalls: ['rename'], paths: [p.queued] }),
      killedOn: (p) => ({ name: /^rename$/, args: `"${p.queued}", "${p.payload}"` }),
      handlerLog: [],
      processing: 'none',
      also: 'queued',
      end: 'success',
      rerun: true,
    },
    ...HELD_STEPS,
    {
      step: 'right after the result rename (its last step)',
      kill: (p) => ({ syscalls: ['rename'], paths: [p.payload], hold: true }),
      killedOn: (p) => ({ name: /^rename$/, args: `"${p.payload}", "${p.success}"` }),
      handlerLog: ['B', 'E'],
      processing: 'none',
      also: 'success',
      end: 'success',
      rerun: false,
    },
  ],
  file: [
    {
      step: 'between the claim mkdir and its rename',
      kill: (p) => ({ syscalls: ['rename'], paths: [p.queued] }),
      killedOn: (p) => ({ name: /^rename$/, args: `"${p.queued}", "${p.payload}"` }),
      handlerLog: [],
      processing: 'empty',
      also: 'queued',
      end: 'success',
      rerun: true,
    },
    ...HELD_STEPS,
    {
      step: "between the result rename and the dir's removal",
      kill: (p) => ({ syscalls: ['rmdir'], paths: [p.entry] }),
      killedOn: (p) => ({ name: /^rmdir$/, args: `"${p.entry}"` }),
      handlerLog: ['B', 'E'],
      processing: 'empty',
      also: 'success',
      end: 'success',
      rerun: false,
    },
  ],
};

function readLog(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const FORM_OF = { data: 'file form', file: 'dir form' } as const;

for (const kind of ['data', 'file'] as const) {
  for (const mode of ['pid', 'lock'] as const) {
    for (const s of STEPS[kind]) {
      test(
        `consumer (${mode} owner, ${kind} job: ${FORM_OF[kind]}) SIGKILLed ${s.step}: recovery leaves the job ${s.end === 'success' ? 'done once' : 'in interrupted/'}`,
        { timeout: 120_000 },
        async (t) => {
          const dir = scratchDir(t, 'crash-step');
          const base = path.join(dir, 'q');
          const handlerLog = path.join(dir, 'handler.log');
          const producer = new Pacchettino(base);
          const bytes = Buffer.from(`payload for ${s.step}`);

          const consumer = await SteppedChild.start<{ pid: number; owner: string }>(t, 'stepConsumer.js', { queue: base, crashDetection: mode, handlerLog });
          let id: string;
          let name: string;
          if (kind === 'data') {
            id = producer.sendData(bytes);
            name = `raw-${id}`;
          } else {
            const src = path.join(dir, 'in-put.csv');
            fs.writeFileSync(src, bytes);
            id = producer.sendFile(src);
            name = `fle-${id}-in-put.csv`;
          }
          const L = producer.layout;
          const entry = path.join(L.processing, `${name}.${consumer.ready.owner}`);
          const p: JobPaths = {
            base,
            name,
            queued: path.join(L.queued, name),
            entry,
            payload: kind === 'data' ? entry : path.join(entry, 'in-put.csv'),
            success: path.join(L.success, name),
          };

          const spec = s.kill(p);
          const armed = await armKill(consumer.pid, spec, path.join(dir, 'strace.log'));
          consumer.go();
          if (spec.hold) {
            await killHeld(armed, consumer.pid); // once the rename is done and the consumer held at its exit
            assert.ok(fs.existsSync(s.processing === 'payload' ? p.payload : p.success), 'the held rename had moved the payload');
          }
          const exit = await consumer.exited();
          await armed.done;
          assert.equal(exit.signal, 'SIGKILL', `the consumer was not killed (exit ${exit.code}): ${consumer.stderr}\n${fs.readFileSync(armed.log, 'utf8')}`);
          const call = spec.hold ? heldCall(armed.log) : killedCall(armed.log);
          assert.ok(call, `no killed call in the strace log:\n${fs.readFileSync(armed.log, 'utf8')}`);
          const want = s.killedOn(p);
          assert.match(call.name, want.name);
          assert.ok(call.args.includes(want.args), `killed on ${call.name}(${call.args}), expected (${want.args}...`);
          if (mode === 'lock') await waitForUnlock(path.join(L.owners, consumer.ready.owner));

          // The state the crash left, read from the folders.
          assert.deepEqual(
            readLog(handlerLog).map((l) => l.split(' ')[0]),
            s.handlerLog,
            'handler log after the kill',
          );
          let c = takeCensus(base);
          const expectedPlaces = [...(s.processing === 'payload' ? ['processing'] : []), ...(s.also === 'nowhere' ? [] : [s.also])];
          assert.deepEqual(c.places.get(name) ?? [], expectedPlaces, 'where the job is after the kill');
          assert.deepEqual(c.emptyProcessing, s.processing === 'empty' ? [path.basename(p.entry)] : []);
          assert.deepEqual(c.strayProcessing, []);
          if (s.processing === 'payload') assert.deepEqual(fs.readFileSync(p.payload), bytes);

          // Recovery by another consumer (pid mode: it must read lock-owned claims too).
          const q = new Pacchettino(base);
          const rec = q.recover();
          assert.deepEqual(rec.interrupted, s.processing === 'payload' ? [name] : []);
          assert.equal(rec.cleared, s.processing === 'empty' ? 1 : 0);
          const runs: string[] = [];
          q.onJob = (job: Job) => {
            runs.push(job.name);
            return 'SUCCESS';
          };
          assert.equal(await q.receive(), s.rerun ? 1 : 0);
          assert.deepEqual(runs, s.rerun ? [name] : []);
          await q.close();

          c = takeCensus(base);
          assert.deepEqual([...c.places], [[name, [s.end]]], 'the job is in exactly one place');
          assert.deepEqual(c.emptyProcessing, []);
          assert.deepEqual(fs.readFileSync(path.join(base, s.end, name)), bytes, 'payload intact');
          assert.equal(q.status(id), s.end.toUpperCase());
          if (s.end === 'interrupted') assert.match(q.details(id)?.reason ?? '', /interrupted: its consumer \((pid|lock) .+\) died/);
          // At most once: a job whose handler may have run is never handed out again by itself.
          const handled = readLog(handlerLog).filter((l) => l.startsWith('E ')).length + runs.length;
          assert.ok(handled <= 1, `handled to success ${handled} times`);
        },
      );
    }
  }
}

interface ProducerCase {
  step: string;
  send: 'data' | 'file' | 'move';
  kill: (src: string) => KillSpec;
  /** The call strace must have killed the producer on; none: the send may also have completed. */
  killedOn?: RegExp;
  /** What tmp/<id> holds after the kill: the whole payload, less than that, or no file at all. */
  tmp?: 'whole' | 'partial' | 'none';
}

const PRODUCER_CASES: ProducerCase[] = [
  {
    step: 'between the tmp write and the rename (data)',
    send: 'data',
    kill: () => ({ syscalls: ['rename'] }),
    killedOn: /^rename\("[^"]*\/tmp\/([0-9a-f-]{36})", "[^"]*\/queued\/raw-\1"/,
    tmp: 'whole',
  },
  {
    step: 'in the middle of the tmp write (data)',
    send: 'data',
    kill: () => ({ syscalls: ['write', 'pwrite64'] }),
    killedOn: /^write\(\d+<[^>]*\/tmp\/[0-9a-f-]{36}>/,
    tmp: 'partial',
  },
  {
    step: 'in the middle of copying the file into tmp/',
    send: 'file',
    kill: (src) => ({ syscalls: ['copy_file_range', 'sendfile', 'read'], paths: [src] }),
    killedOn: /^(copy_file_range|sendfile|read)\(\d+<[^>]*\/big\.bin>/,
    tmp: 'partial',
  },
  {
    step: 'between the copy and the rename (file)',
    send: 'file',
    kill: () => ({ syscalls: ['rename'] }),
    killedOn: /^rename\("[^"]*\/tmp\/[0-9a-f-]{36}", "[^"]*\/queued\/fle-[0-9a-f-]{36}-big\.bin"/,
    tmp: 'whole',
  },
  // A moved file is the user's only copy: whatever rename the kill lands on, it must be at
  // its source or queued, never only in tmp/ (where cleanup deletes stale files).
  { step: 'at the first rename of a moved file', send: 'move', kill: () => ({ syscalls: ['rename'], when: 1 }) },
  { step: 'at the second rename of a moved file, if there is one', send: 'move', kill: () => ({ syscalls: ['rename'], when: 2 }) },
];

for (const c of PRODUCER_CASES) {
  test(`producer SIGKILLed ${c.step}: no partial job is ever visible, nothing is lost`, { timeout: 120_000 }, async (t) => {
    const dir = scratchDir(t, 'crash-send');
    const base = path.join(dir, 'q');
    new Pacchettino(base);
    const bytes = Buffer.alloc(256 * 1024, 'pacchettino ');
    const src = path.join(dir, 'big.bin');
    fs.writeFileSync(src, bytes);
    const spec = c.send === 'data' ? { queue: base, dataFile: src } : { queue: base, file: src, move: c.send === 'move' };

    const producer = await SteppedChild.start<{ pid: number }>(t, 'stepProducer.js', spec);
    const armed = await armKill(producer.pid, c.kill(src), path.join(dir, 'strace.log'));
    producer.go();
    const exit = await producer.exited();
    await armed.done;
    const trace = fs.readFileSync(armed.log, 'utf8');
    if (c.killedOn) {
      assert.equal(exit.signal, 'SIGKILL', `the producer was not killed (exit ${exit.code}): ${producer.stderr}\n${trace}`);
      const call = killedCall(armed.log);
      assert.ok(call, `no killed call in the strace log:\n${trace}`);
      assert.match(`${call.name}(${call.args}`, c.killedOn);
    } else {
      assert.ok(exit.signal === 'SIGKILL' || exit.code === 0, `the producer failed (${exit.code ?? exit.signal}): ${producer.stderr}`);
    }

    // Whatever is visible as a job is whole; tmp/ is as the step left it.
    const census = takeCensus(base);
    const tmp = namesIn(census, 'tmp');
    const jobs = [...census.places].filter(([, p]) => !p.includes('tmp'));
    for (const [name, places] of jobs) {
      assert.deepEqual(places, ['queued'], `${name} is in ${places.join(', ')}`);
      assert.deepEqual(fs.readFileSync(path.join(base, 'queued', name)), bytes, `${name} is visible but not whole`);
    }
    if (c.tmp === 'none' || c.tmp === undefined) assert.ok(c.tmp === undefined || tmp.length === 0, `tmp/ holds ${tmp.join(', ')}`);
    if (c.tmp === 'whole' || c.tmp === 'partial') {
      assert.equal(tmp.length, 1, `tmp/ holds ${tmp.join(', ')}`);
      const held = fs.readFileSync(path.join(base, 'tmp', tmp[0]));
      if (c.tmp === 'whole') assert.deepEqual(held, bytes);
      else assert.ok(held.length < bytes.length, `tmp/${tmp[0]} holds ${held.length} bytes`);
    }
    if (c.killedOn) assert.deepEqual(jobs, [], 'a send killed before its commit shows no job');
    const safe = () => (fs.existsSync(src) ? 1 : 0) + namesIn(takeCensus(base), 'queued').length;
    if (c.send === 'move') assert.equal(safe(), 1, `the moved file is neither at its source nor queued (tmp/: ${tmp.join(', ')})`);
    else if (c.send === 'file') assert.deepEqual(fs.readFileSync(src), bytes, 'the file to send is still where it was');

    // A consumer is handed only whole jobs, and nothing of a dead send.
    const q = new Pacchettino(base);
    const seen: Buffer[] = [];
    q.onJob = (job) => {
      seen.push(fs.readFileSync(job.path));
      return 'SUCCESS';
    };
    assert.equal(await q.receive(), jobs.length);
    for (const b of seen) assert.deepEqual(b, bytes);
    for (const n of tmp) assert.equal(q.status(n), 'UNKNOWN');

    // An abandoned tmp/ file is swept by cleanup once stale (an hour), never before.
    q.cleanup();
    assert.deepEqual(namesIn(takeCensus(base), 'tmp'), tmp, 'a fresh tmp/ file may be a send in progress');
    const longAgo = (Date.now() - 2 * 3600_000) / 1000;
    for (const n of tmp) fs.utimesSync(path.join(base, 'tmp', n), longAgo, longAgo);
    q.cleanup();
    assert.deepEqual(namesIn(takeCensus(base), 'tmp'), []);
    if (c.send === 'move') assert.equal((fs.existsSync(src) ? 1 : 0) + seen.length, 1, 'after cleanup, the moved file is gone for good');

    // The queue takes the next send as if nothing happened.
    const id = q.sendData('after the crash');
    const ran: string[] = [];
    q.onJob = (job) => {
      ran.push(job.id);
      return 'SUCCESS';
    };
    assert.equal(await q.receive(), 1);
    assert.deepEqual(ran, [id]);
    await q.close();
  });
}
