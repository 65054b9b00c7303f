// consume --module when things go wrong around the module's function: bad flags or queue,
// a progress note that cannot be written, an answer its thread cannot post.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, sendDataLines, writeModule } from '../support/cli';
import { entries, scratchQueue } from '../support/scratch';

/** A consumer that left its threads running would never exit: a bound, not a wait. */
const BOUND_MS = 10_000;

test('consume --module: a queue path that is a file, a bad --max-attempts or --retry-delay is an error that exits, no thread left behind', async (t) => {
  const { dir, q } = scratchQueue(t, 'module-bad-flags');
  const handler = writeModule(dir, 'ok.js', `module.exports = async () => 'SUCCESS';`);
  const notAQueue = path.join(dir, 'a-file');
  fs.writeFileSync(notAQueue, '');
  const [id] = await sendDataLines(q, ['waiting']);
  for (const [args, code, message] of [
    [[notAQueue], 73, /is not a directory: choose another path or remove the file/],
    [[q, '--max-attempts', '-1'], 64, /--max-attempts must be a whole number from 0 to/],
    [[q, '--retry-delay', 'soon'], 64, /--retry-delay: not a duration: "soon"/],
  ] as const) {
    const r = await runCli(['consume', ...args, '--module', handler], { timeoutMs: BOUND_MS });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(entries(path.join(q, 'queued')), [`raw-${id}`], 'nothing claimed');
});
