/**
 * A queue with one of everything odd in every state folder, as anyone with a shell can
 * leave it (the layout is plain folders): links (one to a folder outside the queue),
 * folders and a FIFO where files belong, names that are no jobs or that no claim can take,
 * a dead owner's claim with handler leftovers beside its payload, bad due times, a folder
 * for an owner file. And a few real jobs among them, which must still run exactly once.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, newJobId } from 'pacchettino';
import { pidOfExitedProcess } from '../../support/processes';
import { takeCensus } from './census';

/** A job name no send makes, dropped straight into a folder. */
const uuid = () => newJobId();

export interface Planted {
  base: string;
  outside: string;
  precious: string;
  /** Real jobs sent beside the hostile entries: each must be handled, once. */
  real: string[];
  /** queued/ entries the consumer must file under failed/ (not regular files). */
  toFail: string[];
  /** queued/ entries no consumer may touch (not job names, or names no claim can take). */
  toSkipOrFail: string[];
  /** A dead owner's dir holding the payload and a stray file the handler left. */
  strayBeside: { name: string; body: string };
  /** processing/ entries recovery must leave alone. */
  processingUntouched: string[];
}

/** Lays out a queue with one of everything odd in every state folder. */
export async function plantHostileQueue(dir: string, crashDetection: 'pid' | 'lock' = 'pid'): Promise<Planted> {
  const base = path.join(dir, 'q');
  const q = new Pacchettino(base, { crashDetection });
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(outside);
  const precious = path.join(outside, 'precious.txt');
  fs.writeFileSync(precious, "not the queue's to touch");
  const L = q.layout;
  const at = (folder: string, name: string) => path.join(base, folder, name);
  const dead = await pidOfExitedProcess();

  const real = [q.sendData('real job 1'), q.sendData('real job 2')].map((id) => `raw-${id}`);
  fs.writeFileSync(path.join(dir, 'real.txt'), 'real file job');
  real.push(`fle-${q.sendFile(path.join(dir, 'real.txt'))}-real.txt`);

  // queued/: links, folders, a FIFO: claimed and failed without reading them.
  const toFail = [`raw-${uuid()}`, `fle-${uuid()}-link-to-dir`, `raw-${uuid()}`, `raw-${uuid()}`, `fle-${uuid()}-dangling`];
  fs.symlinkSync(precious, at('queued', toFail[0]));
  fs.symlinkSync(outside, at('queued', toFail[1]));
  fs.mkdirSync(at('queued', toFail[2]));
  fs.writeFileSync(path.join(at('queued', toFail[2]), 'inside'), 'x');
  execFileSync('mkfifo', [at('queued', toFail[3])]);
  fs.symlinkSync(path.join(outside, 'nowhere'), at('queued', toFail[4]));
  // queued/: names that are not jobs, or that no claim can take (dot-only base names, a
  // name with no room for the processing dir's ".<owner>" suffix).
  const toSkipOrFail = [
    'garbage.txt',
    '.hidden',
    'raw-',
    'fle-notauuid',
    'fle-a-b-c-d-e',
    '-rf',
    `fle-${uuid()}-.`,
    `fle-${uuid()}-..`,
    `raw-${'x'.repeat(251)}`,
    `fle-${uuid()}-${'y'.repeat(255 - 41)}`,
  ];
  for (const n of toSkipOrFail) fs.writeFileSync(at('queued', n), 'hostile');
  fs.mkdirSync(at('queued', `fle-${uuid()}-dotdir.`));
  toSkipOrFail.push(fs.readdirSync(L.queued).find((n) => n.endsWith('-dotdir.'))!);
  // A data job with a newline in its hand-made id and a file job named '...': odd, but jobs.
  const oddButValid = [`raw-line\nbreak`, `fle-${uuid()}-...`];
  for (const n of oddButValid) fs.writeFileSync(at('queued', n), 'odd but valid');
  real.push(...oddButValid);

  // processing/: things that are not claims, left alone (a regular file is a claim only as a
  // data job's file form, `raw-<id>.<owner>`: a file job's name as a file is none); a dead
  // owner's claim whose handler left a stray file beside the payload; a link to a folder outside.
  const processingUntouched = [
    `fle-${uuid()}-notes.txt.${dead}`,
    'notajob.123',
    `raw-${uuid()}`,
    `raw-${uuid()}.`,
    `fle-${uuid()}-report.pdf`,
    `raw-${uuid()}.${dead}`,
  ];
  fs.writeFileSync(at('processing', processingUntouched[0]), 'a file, not a claim');
  for (const n of processingUntouched.slice(1, 5)) fs.mkdirSync(at('processing', n));
  fs.symlinkSync(outside, at('processing', processingUntouched[5]));
  const stray = `raw-${uuid()}`;
  const strayDir = at('processing', `${stray}.${dead}`);
  fs.mkdirSync(strayDir);
  fs.writeFileSync(path.join(strayDir, 'raw'), 'the payload');
  for (const f of ['.raw.swp', 'a-temp-file', 'zz-output.log']) fs.writeFileSync(path.join(strayDir, f), 'handler leftovers');

  // success/, failed/, interrupted/: strays, folders, links (one to a folder outside).
  for (const s of ['success', 'failed', 'interrupted']) {
    fs.writeFileSync(at(s, 'notes.txt'), 'stray');
    fs.mkdirSync(at(s, `raw-${uuid()}`));
    fs.symlinkSync(outside, at(s, `raw-${uuid()}`));
    fs.symlinkSync(path.join(outside, 'nowhere'), at(s, `fle-${uuid()}-dangling`));
    fs.writeFileSync(at(s, `fle-${uuid()}-.`), 'x');
  }
  // scheduled/: bad due times, non-jobs, a folder that falls due.
  for (const n of ['abc-raw-x', `-raw-${uuid()}`, '0-garbage', `99999999999999999999999-raw-${uuid()}`, 'no-dash']) fs.writeFileSync(at('scheduled', n), 'x');
  const dueFolder = `raw-${uuid()}`;
  fs.mkdirSync(at('scheduled', `0-${dueFolder}`));
  toFail.push(dueFolder);
  // owners/: a folder where a token's file should be, a file with no lock held.
  fs.mkdirSync(at('owners', 'abcdefghij'));
  fs.writeFileSync(at('owners', 'zzzzzzzzzz'), '');
  // tmp/: a stray folder and file.
  fs.mkdirSync(at('tmp', 'stray-dir'));
  fs.writeFileSync(at('tmp', uuid()), 'half a send');
  await q.close();
  return { base, outside, precious, real, toFail, toSkipOrFail, strayBeside: { name: stray, body: 'the payload' }, processingUntouched };
}

export function assertOutsideIntact(p: Planted): void {
  assert.deepEqual(fs.readdirSync(p.outside).sort(), ['precious.txt']);
  assert.equal(fs.readFileSync(p.precious, 'utf8'), "not the queue's to touch");
}

/** What every consumer must leave behind on a planted queue. */
export function assertSafelyHandled(p: Planted, ran: string[]): void {
  assert.deepEqual([...ran].sort(), [...p.real].sort(), 'the real jobs ran, once each, and nothing else did');
  const c = takeCensus(p.base);
  for (const n of p.real) assert.deepEqual(c.places.get(n), ['success'], n);
  for (const n of p.toFail) assert.deepEqual(c.places.get(n), ['failed'], `${n} is filed as failed`);
  for (const n of p.toSkipOrFail) {
    const where = c.places.get(n);
    assert.ok(where && where.length === 1 && (where[0] === 'queued' || where[0] === 'failed'), `${JSON.stringify(n)} is in ${String(where)}`);
  }
  // The dead owner's payload, not a stray file beside it, is what recovery filed.
  assert.deepEqual(c.places.get(p.strayBeside.name), ['interrupted']);
  assert.equal(fs.readFileSync(path.join(p.base, 'interrupted', p.strayBeside.name), 'utf8'), p.strayBeside.body);
  for (const n of p.processingUntouched) assert.ok(fs.existsSync(path.join(p.base, 'processing', n)) || fs.lstatSync(path.join(p.base, 'processing', n)), n);
  assertOutsideIntact(p);
}
