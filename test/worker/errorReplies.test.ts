import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, ResponseError } from 'vscode-languageserver-protocol/node';
import { QueueError } from 'pacchettino';
import { guarded } from '@pacchettino/worker/internal';
import * as protocol from '@pacchettino/shared';

// In-process: a handler bug cannot be provoked through the real worker on purpose.

function logInto(lines: string[]) {
  return { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
}

function thrownBy(fn: () => unknown): ResponseError<unknown> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ResponseError, `a ResponseError, got ${String(err)}`);
    return err;
  }
  assert.fail('did not throw');
}

test('a bug in a handler becomes InternalError and a log line with its stack', () => {
  const lines: string[] = [];
  const handler = guarded('pacchettino/jobs', logInto(lines), () => {
    throw new TypeError('cannot read properties of undefined');
  });
  const err = thrownBy(() => handler({}));
  assert.equal(err.code, ErrorCodes.InternalError);
  assert.match(err.message, /pacchettino\/jobs failed: cannot read properties/);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /TypeError: cannot read properties of undefined\n\s+at /);
});

test('a QueueError becomes QueueFailed with its code; a ResponseError passes as it is', () => {
  const lines: string[] = [];
  const full = guarded('pacchettino/enqueueData', logInto(lines), () => {
    throw new QueueError('NO_SPACE', 'No space left on device while writing');
  });
  const err = thrownBy(() => full({}));
  assert.equal(err.code, protocol.WorkerErrorCodes.QueueFailed);
  assert.deepEqual(err.data, { code: 'NO_SPACE' });
  const own = new ResponseError(ErrorCodes.InvalidParams, 'bad');
  assert.equal(
    thrownBy(() =>
      guarded('m', logInto(lines), () => {
        throw own;
      })({}),
    ),
    own,
  );
  assert.deepEqual(lines, [], 'expected failures are replies, not log noise');
});
