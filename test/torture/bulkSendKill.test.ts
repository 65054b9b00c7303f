// A producer killed (SIGKILL) in the middle of durable sendMany calls: every id it had been
// given (it prints each as its batch resolves) is queued, queued/ holds only whole jobs, and
// what it left in tmp/ is only send scratch that cleanup() removes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino, isUuid } from 'pacchettino';
import { entries, scratchDir } from '../support/scratch';
import { exitOf } from '../support/processes';
import { isWholePayload, type BulkSenderArgs } from './support/bulkSender';

const SENDER = path.join(__dirname, 'support', 'bulkSender.js');
const ROUNDS = 6;

for (const concurrent of [false, true]) {
  test(`kill -9 during durable ${concurrent ? 'concurrent sendDataAsync calls' : 'sendMany batches'}: every acknowledged id queued, only whole jobs, no stray files after cleanup()`, async (t) => {
    const base = path.join(scratchDir(t, 'bulk-kill'), 'q');
    const acknowledged: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const args: BulkSenderArgs = { queue: base, durable: true, batches: 0, batch: 100, concurrent };
      const child = spawn(process.execPath, [SENDER, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const firstBatch = new Promise<void>((resolve) =>
        child.stdout.setEncoding('utf8').on('data', (s: string) => {
          out += s;
          if (out.includes('\n')) resolve();
        }),
      );
      await firstBatch;
      // Anywhere in a later batch: writing, fsyncing, renaming, or fsyncing queued/.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
      child.kill('SIGKILL');
      assert.equal((await exitOf(child)).signal, 'SIGKILL');
      const printed = out.split('\n').slice(0, -1); // a last line cut short was never a whole id
      acknowledged.push(...printed);
    }
    const q = new Pacchettino(base);
    const queued = new Set(entries(q.layout.queued));
    const missing = acknowledged.filter((id) => !queued.has(`raw-${id}`));
    assert.deepEqual(missing, [], 'every id a producer was given is queued');
    for (const name of queued) {
      const text = fs.readFileSync(path.join(q.layout.queued, name), 'utf8');
      assert.ok(isWholePayload(text), `${name} is a whole job (${text.length} bytes: ${text.slice(0, 40)}…)`);
    }
    const scratch = entries(q.layout.tmp);
    assert.deepEqual(
      scratch.filter((n) => !isUuid(n)),
      [],
      'tmp/ holds only sends’ scratch files, named by job id',
    );
    t.diagnostic(`${acknowledged.length} acknowledged, ${queued.size} queued, ${scratch.length} scratch files in tmp/`);
    // cleanup() removes a send's scratch once it is an hour old: age them as a crash an hour ago would.
    const anHourAgo = new Date(Date.now() - 2 * 3600_000);
    for (const n of scratch) fs.utimesSync(path.join(q.layout.tmp, n), anHourAgo, anHourAgo);
    q.cleanup();
    assert.deepEqual(entries(q.layout.tmp), []);
    assert.equal(entries(q.layout.queued).length, queued.size, 'cleanup() leaves queued jobs alone');
    await q.close();
  });
}
