// A full disk: a 2 MiB tmpfs with few inodes, mounted in a private mount namespace
// (`unshare --mount`), so nothing outside sees it. The scenario (fixtures/fullDiskScenario.ts)
// runs in there and reports; this judges the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runScenario } from './support/scenario';
import { scratchDir } from '../support/scratch';
import { FIXTURES } from './support/steppedChild';
import type { FullDiskReport } from './fixtures/fullDiskScenario';

const NO_SPACE = /^No space left on device while .+; free some space and try again \(ENOSPC/;

test(
  'full disk: sends fail cleanly with NO_SPACE, a finish that cannot move its job loses nothing, a data job is claimed and filed with no inode left, all is well once space is freed',
  { timeout: 120_000 },
  async (t) => {
    const dir = scratchDir(t, 'full-disk');
    const disk = path.join(dir, 'disk');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(disk);
    fs.mkdirSync(outside);
    const mountAndRun = 'mount -t tmpfs -o size=2m,nr_inodes=400 tmpfs "$0" && exec "$1" "$2" "$0" "$3"';
    const r = await runScenario<FullDiskReport>(t, 'unshare', [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      mountAndRun,
      disk,
      process.execPath,
      path.join(FIXTURES, 'fullDiskScenario.js'),
      outside,
    ]);
    assert.deepEqual(fs.readdirSync(disk), [], 'the tmpfs was private to the namespace');

    // 1. Sends on a full disk.
    assert.ok(r.sent.length >= 20 && r.sent.length <= 32, `${r.sent.length} jobs of 64 KiB fit in 2 MiB`);
    assert.equal(r.fullError?.code, 'NO_SPACE');
    assert.match(r.fullError?.message ?? '', NO_SPACE);
    assert.deepEqual(r.tmpAfterFull, [], 'the send that hit ENOSPC left nothing in tmp/');
    assert.equal(r.queuedCount, r.sent.length, 'exactly the sends that returned are queued');
    assert.equal(r.queuedWhole, true, 'every queued payload is whole');
    for (const e of ['copyError', 'moveError', 'delayedError'] as const) {
      assert.equal(r[e]?.code, 'NO_SPACE', `${e}: ${JSON.stringify(r[e])}`);
      assert.match(r[e]?.message ?? '', NO_SPACE);
    }
    assert.equal(r.sourceKept, true, 'a file moved from another file system stays put when the copy fails');
    assert.deepEqual(r.tmpAfterOthers, []);
    assert.deepEqual(r.scheduledAfterOthers, []);
    assert.equal(r.queuedAfterOthers, r.sent.length);

    // 2. The finish whose rename fails: the job stays in processing/ with its payload, the
    // consumer warns and goes on, nobody else takes the live owner's job, the filing is
    // retried on each receive and goes through; the handler ran once.
    const [j1] = r.firstReceive.runs;
    assert.equal(r.firstReceive.handled, true);
    assert.equal(r.firstReceive.warnings.length, 1);
    assert.equal(r.firstReceive.warnings[0].code, 'NO_SPACE');
    assert.match(r.firstReceive.warnings[0].message, new RegExp(`filing job ${j1} as SUCCESS \\(it stays in processing/ and is filed on the next receive\\)`));
    assert.equal(r.processingAfterFailedFinish.length, 1);
    assert.match(r.processingAfterFailedFinish[0].dir, new RegExp(`^${j1}\\.\\d+$`));
    assert.deepEqual(r.processingAfterFailedFinish[0], { dir: r.processingAfterFailedFinish[0].dir, isFile: true }, 'the file-form claim, whole');
    assert.deepEqual(r.othersRecoverLiveStranded, { interrupted: [], cleared: 0 });
    assert.equal(r.secondReceive.warnings.length, 1, 'a failed retry does not warn again');
    assert.deepEqual(r.processingAfterSecond, [r.processingAfterFailedFinish[0].dir], 'still stranded after the second ENOSPC');
    assert.equal(r.thirdReceive.handled, true);
    assert.equal(new Set(r.thirdReceive.runs).size, r.thirdReceive.runs.length, `a handler ran twice: ${r.thirdReceive.runs.join(', ')}`);
    assert.equal(r.straceLog.length, 2, `two renames failed with ENOSPC:\n${r.straceLog.join('\n')}`);
    for (const l of r.straceLog) assert.match(l, new RegExp(`rename\\(".*/processing/${j1}\\.\\d+", ".*/success/${j1}"\\) += -1 ENOSPC`));

    // 3. Out of inodes: a data job's claim and finish (the file form: two renames) need no new
    // inode, so the next job is handled; a send, which needs one, fails and leaves nothing.
    assert.ok(r.fillers > 0);
    assert.equal(r.noInodeReceive.handled, true, JSON.stringify(r.noInodeReceive));
    const took = r.noInodeReceive.runs.at(-1);
    assert.deepEqual(
      r.queuedAfterNoInodes,
      r.queuedBeforeNoInodes.filter((n) => n !== took),
    );
    assert.deepEqual(r.processingAfterNoInodes, [], 'nothing left in processing/');
    assert.equal(r.noInodeSend?.code, 'NO_SPACE');
    assert.deepEqual(r.tmpAfterNoInodes, []);

    // 4. Space freed: everything sent is handled once, nothing is left anywhere else.
    assert.equal(r.cleanupCount, r.cleanedUp.length);
    assert.equal(r.drainEnd.error, undefined, JSON.stringify(r.drainEnd));
    assert.equal(r.consumerExit, 0);
    const runs = r.drainEnd.runs;
    assert.equal(new Set(runs).size, runs.length, 'no handler ran twice');
    const all = [...r.sent, r.sentAfterFree].map((id) => `raw-${id}`);
    assert.deepEqual([...runs].sort(), [...all].sort(), 'every sent job was handled exactly once');
    const places = r.census.places;
    const cleaned = new Set(r.cleanedUp);
    for (const name of all) {
      if (cleaned.has(name)) assert.equal(places[name], undefined, `${name} was cleaned up`);
      else assert.deepEqual(places[name], ['success'], `${name}`);
    }
    assert.equal(Object.keys(places).length, all.length - cleaned.size, `strays: ${JSON.stringify(places)}`);
    assert.deepEqual(r.census.emptyProcessing, []);
  },
);
