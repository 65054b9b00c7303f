import assert from 'node:assert/strict';
import { QueueError } from 'pacchettino';

/** For assert.throws: the error is a QueueError with this code (and, if given, a message matching). */
export function isQueueError(code: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof QueueError, `not a QueueError: ${String(e)}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  };
}
