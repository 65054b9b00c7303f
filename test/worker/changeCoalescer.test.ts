import * as assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { ChangeCoalescer } from '@pacchettino/worker/internal';

// Timers are mocked here: these tests are about the coalescer's arithmetic, not the clock.

test('a burst of marks flushes once, after a quiet spell', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const flushes: string[][] = [];
  const c = new ChangeCoalescer<string>((keys) => flushes.push([...keys]), { quietMs: 100, maxWaitMs: 500 });
  for (let i = 0; i < 1000; i++) c.mark(i % 2 ? 'a' : 'b');
  t.mock.timers.tick(99);
  assert.equal(flushes.length, 0);
  t.mock.timers.tick(1);
  assert.deepEqual(flushes, [['b', 'a']]);
  c.dispose();
});

test('a steady stream still flushes every maxWait', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const flushes: number[] = [];
  const c = new ChangeCoalescer<string>(() => flushes.push(Date.now()), { quietMs: 100, maxWaitMs: 500 });
  // A mark every 50 ms for 1.8 s: never quiet for 100 ms.
  for (let ms = 0; ms < 1800; ms += 50) {
    c.mark('q');
    t.mock.timers.tick(50);
  }
  assert.deepEqual(flushes, [500, 1000, 1500], 'one per 500 ms');
  // The last mark was at 1750: the tail comes 100 ms later, at 1850.
  t.mock.timers.tick(49);
  assert.equal(flushes.length, 3);
  t.mock.timers.tick(1);
  assert.equal(flushes.length, 4, 'and the tail after the stream stops');
  c.dispose();
});

test('forget drops a pending key; dispose cancels the flush', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const flush = mock.fn();
  const c = new ChangeCoalescer<string>(flush, { quietMs: 10, maxWaitMs: 50 });
  c.mark('gone');
  c.forget('gone');
  t.mock.timers.tick(100);
  assert.equal(flush.mock.callCount(), 0, 'nothing left to flush');
  c.mark('x');
  c.dispose();
  t.mock.timers.tick(100);
  assert.equal(flush.mock.callCount(), 0);
});
