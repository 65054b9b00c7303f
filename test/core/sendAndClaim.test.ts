// FORMAT.md "Send" and "Claim and process": which folder a job is in at each step, and the
// order of the renames and mkdirs that make each step atomic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, type DataJob, type FileJob, type Job } from 'pacchettino';
import { claim, Layout } from 'pacchettino/internal';
import { entries, queuePath, scratchDir } from '../support/scratch';
import { QueueProcess } from '../support/queueProcess';
import { readTrace, stracePrefix } from '../support/strace';
import { uuidV7, writeQueuedData } from '../support/originalLayout';

/** Collects fs.watch events of a folder as `<eventType> <filename>`. */
function recordEvents(dir: string) {
  const seen: string[] = [];
  const waiters: { want: string; resolve(): void }[] = [];
  const w = fs.watch(dir, (type, name) => {
    seen.push(`${type} ${name}`);
    for (const x of [...waiters]) if (`${type} ${name}` === x.want) x.resolve();
  });
  return {
    seen,
    /** Resolves once that event has been seen. */
    saw(want: string): Promise<void> {
      if (seen.includes(want)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ want, resolve }));
    },
    close: () => w.close(),
  };
}

test('send writes the payload in tmp/ and only renames it into queued/: no write ever happens in queued/', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const tmpEvents = recordEvents(path.join(base, 'tmp'));
  const queuedEvents = recordEvents(path.join(base, 'queued'));
  t.after(() => {
    tmpEvents.close();
    queuedEvents.close();
  });
  const payload = Buffer.alloc(4 << 20, 7); // big enough that writing it is seen as changes
  const id = q.sendData(payload);
  await queuedEvents.saw(`rename raw-${id}`);
  await tmpEvents.saw(`rename ${id}`);

  assert.ok(tmpEvents.seen.includes(`change ${id}`), `the payload was written in tmp/: ${tmpEvents.seen.join(', ')}`);
  assert.deepEqual(
    queuedEvents.seen.filter((e) => e.endsWith(`raw-${id}`)),
    [`rename raw-${id}`],
    'queued/ only sees the job appear, whole',
  );
  assert.deepEqual(entries(path.join(base, 'tmp')), []);
  assert.ok(fs.readFileSync(path.join(base, 'queued', `raw-${id}`)).equals(payload));
});

test('send and claim, syscall by syscall: tmp write, rename to queued; a data job renamed to processing/ and out, a file job into a mkdir-ed dir', async (t) => {
  const dir = scratchDir(t, 'strace');
  const base = path.join(dir, 'q');
  const trace = path.join(dir, 'trace.txt');
  const file = path.join(dir, 'input-with-dashes.bin');
  fs.writeFileSync(file, 'file body');
  const p = await QueueProcess.start(t, { queue: base, prefix: stracePrefix(trace) });
  const {
    ids: [dataId],
  } = await p.send({ data: 'hello' });
  const {
    ids: [fileId],
  } = await p.send({ file });
  assert.equal(await p.request({ op: 'receiveOne', randomize: false }), true);
  assert.equal(await p.request({ op: 'receiveOne', randomize: false }), true);
  await p.close();

  const calls = readTrace(trace, base).filter((c) => /^(openat|rename|renameat2?|mkdir|mkdirat|rmdir|unlink|unlinkat|copy_file_range)$/.test(c.name));
  const text = calls.map((c) => `${c.name} ${c.args}`);
  const at = (re: RegExp) => {
    const i = text.findIndex((l) => re.test(l));
    assert.ok(i >= 0, `no syscall matches ${re}:\n${text.join('\n')}`);
    return i;
  };
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const q = esc(base);
  const owner = p.pid;

  // Data job: created exclusively in tmp/, renamed to queued/raw-<id>; nothing in queued/ is ever opened for writing.
  const dataWrite = at(new RegExp(`^openat .*"${q}/tmp/${dataId}", O_WRONLY\\|O_CREAT\\|O_EXCL`));
  const dataQueue = at(new RegExp(`^rename\\w* .*"${q}/tmp/${dataId}".*"${q}/queued/raw-${dataId}"`));
  assert.ok(dataWrite < dataQueue);
  // File job: copied into tmp/<id>, renamed to queued/fle-<id>-<basename>.
  const fileCopy = at(new RegExp(`^openat .*"${q}/tmp/${fileId}", O_WRONLY\\|O_CREAT`));
  const fileQueue = at(new RegExp(`^rename\\w* .*"${q}/tmp/${fileId}".*"${q}/queued/fle-${fileId}-input-with-dashes.bin"`));
  assert.ok(fileCopy < fileQueue);
  assert.equal(text.filter((l) => /^openat .*\/queued\/.*O_(WRONLY|RDWR)/.test(l)).length, 0, 'never written in place in queued/');

  // A data job's claim (the file form, processingEntry.ts): one rename queued/<name> ->
  // processing/<name>.<pid>, one rename out; no mkdir, no rmdir.
  const dataName = `raw-${dataId}`;
  const dataEntry = `${q}/processing/${esc(dataName)}\\.${owner}`;
  const take = at(new RegExp(`^rename\\w* .*"${q}/queued/${esc(dataName)}".*"${dataEntry}"`));
  const filed = at(new RegExp(`^rename\\w* .*"${dataEntry}".*"${q}/success/${esc(dataName)}"`));
  assert.ok(take < filed, `order for ${dataName}: claim ${take}, file ${filed}`);
  assert.equal(text.filter((l) => l.includes(`/processing/${dataName}.`) && /^(mkdir|rmdir|unlink)/.test(l)).length, 0, 'no mkdir or rmdir for a data job');
  // A file job's claim (the original's dir form): mkdir processing/<name>.<pid> (the lock)
  // strictly before the payload is renamed into it, under its own basename.
  const name = `fle-${fileId}-input-with-dashes.bin`;
  const payload = 'input-with-dashes.bin';
  const procDir = `${q}/processing/${esc(name)}\\.${owner}`;
  const mk = at(new RegExp(`^mkdir\\w* .*"${procDir}"`));
  const claimed = at(new RegExp(`^rename\\w* .*"${q}/queued/${esc(name)}".*"${procDir}/${esc(payload)}"`));
  const fileFiled = at(new RegExp(`^rename\\w* .*"${procDir}/${esc(payload)}".*"${q}/success/${esc(name)}"`));
  const rm = at(new RegExp(`^rmdir .*"${procDir}"`));
  assert.ok(mk < claimed && claimed < fileFiled && fileFiled < rm, `order for ${name}: mkdir ${mk}, claim ${claimed}, file ${fileFiled}, rmdir ${rm}`);
});

test('a claimed job sits at processing/<name>.<pid> (data) or processing/<name>.<pid>/<basename> (file) while its handler runs', async (t) => {
  const dir = scratchDir(t);
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const file = path.join(dir, 'a-b-c.txt');
  fs.writeFileSync(file, 'abc');
  const dataId = q.sendData('data!');
  const fileId = q.sendFile(file);
  const seen: { job: Job; queued: string[]; processing: string[]; payload: string; isFile: boolean }[] = [];
  q.onJob = (job) => {
    seen.push({
      job,
      queued: entries(path.join(base, 'queued')),
      processing: entries(path.join(base, 'processing')),
      payload: fs.readFileSync(job.path, 'utf8'),
      isFile: fs.lstatSync(job.path).isFile(),
    });
    return 'SUCCESS';
  };
  assert.equal(await q.receive({ randomize: false }), 2);

  const [d, f] = seen;
  assert.equal(d.job.path, path.join(base, 'processing', `raw-${dataId}.${process.pid}`));
  assert.equal(d.isFile, true, 'the entry of processing/ is the payload itself');
  assert.deepEqual(d.processing, [`raw-${dataId}.${process.pid}`]);
  assert.deepEqual(d.queued, [`fle-${fileId}-a-b-c.txt`]);
  assert.equal(d.payload, 'data!');
  assert.equal(f.job.path, path.join(base, 'processing', `fle-${fileId}-a-b-c.txt.${process.pid}`, 'a-b-c.txt'));
  assert.deepEqual(f.processing, [`fle-${fileId}-a-b-c.txt.${process.pid}`]);
  assert.deepEqual(f.queued, []);
  assert.equal(f.payload, 'abc');
  assert.deepEqual(entries(path.join(base, 'processing')), []);
});

test('handlers get the bare id, the job name, the bytes or the original basename, and the payload path', async (t) => {
  const dir = scratchDir(t);
  const q = new Pacchettino(path.join(dir, 'q'));
  const bytes = Buffer.from([0, 1, 2, 255, 10, 13]);
  const dataId = q.sendData(bytes);
  const textId = q.sendData('ciao è');
  fs.writeFileSync(path.join(dir, 'photo-2024-05-01.jpg'), 'jpeg');
  const fileId = q.sendFile(path.join(dir, 'photo-2024-05-01.jpg'));

  const data: DataJob[] = [];
  const bodies: Buffer[] = [];
  const files: FileJob[] = [];
  q.onData = (job) => {
    data.push(job);
    bodies.push(job.data); // read while the handler runs: the payload is filed once it returns
    assert.equal(job.kind, 'data');
    assert.equal(job.attempt, 1);
    return 'SUCCESS';
  };
  q.onFile = (job) => {
    files.push(job);
    assert.equal(fs.readFileSync(job.path, 'utf8'), 'jpeg');
    assert.equal(job.attempt, 1);
    return 'SUCCESS';
  };
  assert.equal(await q.receive({ randomize: false }), 3);
  assert.deepEqual(
    data.map((j) => [j.id, j.name]),
    [
      [dataId, `raw-${dataId}`],
      [textId, `raw-${textId}`],
    ],
  );
  assert.ok(bodies[0].equals(bytes));
  assert.equal(bodies[1].toString('utf8'), 'ciao è');
  assert.equal(files.length, 1);
  assert.equal(files[0].id, fileId);
  assert.equal(files[0].name, `fle-${fileId}-photo-2024-05-01.jpg`);
  assert.equal(files[0].originalName, 'photo-2024-05-01.jpg');
  assert.equal(path.basename(files[0].path), 'photo-2024-05-01.jpg');
});

test('onJob handles both kinds when the specific handler is not set', async (t) => {
  const dir = scratchDir(t);
  const q = new Pacchettino(path.join(dir, 'q'));
  fs.writeFileSync(path.join(dir, 'f.txt'), 'f');
  q.sendData('d');
  q.sendFile(path.join(dir, 'f.txt'));
  const kinds: string[] = [];
  q.onJob = (job) => {
    kinds.push(job.kind);
    return 'SUCCESS';
  };
  assert.equal(await q.receive(), 2);
  assert.deepEqual(kinds.sort(), ['data', 'file']);
  assert.equal(q.countSuccess(), 2);
});

test('a job whose processing dir cannot be made (mkdir fails) is skipped and stays queued', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  const id = q.sendData('x');
  // Our own pid, made after we started: a live claim of ours, so recovery leaves it too.
  fs.mkdirSync(path.join(base, 'processing', `raw-${id}.${process.pid}`));
  let ran = false;
  q.onJob = () => ((ran = true), 'SUCCESS');
  assert.equal(await q.receiveOne(), false);
  assert.equal(ran, false);
  assert.equal(q.isQueued(id), true);
});

test('a claim that loses the rename (another consumer took the job) leaves nothing behind and gives nothing', (t) => {
  const dir = scratchDir(t);
  const base = path.join(dir, 'q');
  new Pacchettino(base);
  const layout = new Layout(base);
  for (const name of [`raw-${uuidV7(Date.now())}`, `fle-${uuidV7(Date.now())}-gone.txt`]) {
    // not (or no longer) in queued/
    assert.equal(claim(layout, name, String(process.pid), false), undefined);
    assert.deepEqual(entries(layout.processing), []);
  }
  const taken = writeQueuedData(base, uuidV7(Date.now()), 'y');
  const won = claim(layout, taken, String(process.pid), false);
  assert.equal(won?.payload, path.join(layout.processing, `${taken}.${process.pid}`));
  assert.equal(won?.form, 'file');
  fs.writeFileSync(path.join(dir, 'in.txt'), 'z');
  const fileName = `fle-${uuidV7(Date.now())}-in.txt`;
  fs.renameSync(path.join(dir, 'in.txt'), path.join(layout.queued, fileName));
  const wonFile = claim(layout, fileName, String(process.pid), false);
  assert.equal(wonFile?.payload, path.join(layout.processing, `${fileName}.${process.pid}`, 'in.txt'));
  assert.equal(wonFile?.form, 'dir');
});

test('entries of queued/ that are not fle-*/raw-* are ignored', async (t) => {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  for (const n of ['README', '.hidden', 'job-1', 'RAW-upper']) fs.writeFileSync(path.join(base, 'queued', n), 'x');
  q.onJob = () => 'SUCCESS';
  assert.equal(await q.receive(), 0);
  assert.deepEqual(entries(path.join(base, 'queued')), ['.hidden', 'README', 'RAW-upper', 'job-1'].sort());
});

test('sendFile with move renames the file into the queue: the source is gone, the job holds its bytes', (t) => {
  const dir = scratchDir(t);
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base);
  const src = path.join(dir, 'to-move.log');
  fs.writeFileSync(src, 'moved bytes');
  const ino = fs.statSync(src).ino;
  const id = q.sendFile(src, { move: true });
  assert.equal(fs.existsSync(src), false);
  const queued = path.join(base, 'queued', `fle-${id}-to-move.log`);
  assert.equal(fs.readFileSync(queued, 'utf8'), 'moved bytes');
  assert.equal(fs.statSync(queued).ino, ino, 'renamed, not copied');
  assert.deepEqual(entries(path.join(base, 'tmp')), []);
});
