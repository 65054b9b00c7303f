// The cursor's order once other consumers take jobs too (server/src/core/queuedCursor.ts):
// its own share of the names first, by the registrations in .pacchettino/consumers/, and
// never a listing given up while a name of it may still be queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pacchettino } from 'pacchettino';
import { inShare, Layout, QueuedCursor, registrationName } from 'pacchettino/internal';
import { queuePath } from '../support/scratch';

/**
 * A queue of `jobs` data jobs, registered as this process and three other consumers; `ours`:
 * the names of our share (our place among the sorted registrations, of 4).
 */
function queueOfFour(t: Parameters<typeof queuePath>[0], jobs: number): { layout: Layout; names: string[]; ours: string[] } {
  const base = queuePath(t);
  const q = new Pacchettino(base);
  for (let i = 0; i < jobs; i++) q.sendData(`job ${i}`);
  const layout = new Layout(base);
  const registered = [registrationName(), 'a-other.1.json', 'b-other.2.json', 'c-other.3.json'];
  for (const name of registered) fs.writeFileSync(path.join(layout.consumers, name), '{}');
  const index = registered.sort().indexOf(registrationName());
  const names = fs.readdirSync(layout.queued);
  return { layout, names, ours: names.filter((n) => inShare(n, { count: 4, index })).sort() };
}

test('a cursor that lost a claim hands out only its share of the listing, oldest first, then lists again', (t) => {
  const { layout, names, ours } = queueOfFour(t, 64);
  assert.ok(ours.length > 0 && ours.length < names.length, `a share is part of the names: ${ours.length} of ${names.length}`);

  const cursor = new QueuedCursor(layout);
  assert.equal(cursor.refill(false), names.length);
  const first = cursor.next()!;
  cursor.lost(); // another consumer took it
  const handed: string[] = [];
  for (let name = cursor.next(); name !== undefined; name = cursor.next()) handed.push(name);
  assert.deepEqual(
    handed,
    ours.filter((n) => n !== first),
    'our share, in id order, and none of the others',
  );
  assert.ok(cursor.exhausted, 'done with the listing: the consumer lists again');
});

test("a share with none of the listing's names walks the rest: the listing is not given up while jobs are queued", (t) => {
  const { layout, ours } = queueOfFour(t, 64);
  // Our share's jobs already taken (by us, earlier): what is queued is the others'.
  for (const n of ours) fs.rmSync(path.join(layout.queued, n));
  const left = fs.readdirSync(layout.queued);

  const cursor = new QueuedCursor(layout);
  cursor.refill(true);
  const first = cursor.next()!;
  fs.rmSync(path.join(layout.queued, first)); // another consumer took it
  cursor.lost();
  const handed: string[] = [];
  for (let name = cursor.next(); name !== undefined; name = cursor.next()) handed.push(name);
  assert.deepEqual(handed.sort(), left.filter((n) => n !== first).sort(), 'every name still queued, each once');
});

test("oldest first, a cursor whose share is done helps with the others' from the youngest end, not racing their owners for the oldest", (t) => {
  const { layout, ours } = queueOfFour(t, 64);
  for (const n of ours) fs.rmSync(path.join(layout.queued, n));
  const left = fs.readdirSync(layout.queued).sort(); // ids sort by age

  const cursor = new QueuedCursor(layout);
  cursor.refill(false);
  const first = cursor.next()!;
  assert.equal(first, left[0], 'alone as far as it knows: the oldest');
  fs.rmSync(path.join(layout.queued, first));
  cursor.lost();
  const helped = cursor.next()!;
  assert.ok(left.slice(-16).includes(helped), `one of the 16 youngest: ${left.indexOf(helped)} of ${left.length}`);
});

test('claims lost within the share, more than a quarter of the last ones, make the cursor look its names up first', (t) => {
  const { layout, ours } = queueOfFour(t, 160);
  assert.ok(ours.length > 16, `enough names in the share: ${ours.length}`);
  const cursor = new QueuedCursor(layout);
  cursor.refill(false);
  const first = cursor.next();
  cursor.lost(); // into the share
  const handed = [cursor.next(), cursor.next()]; // claimed (no loss followed)
  for (let i = 0; i < 9; i++) {
    handed.push(cursor.next());
    cursor.lost();
  }
  const rest = ours.filter((n) => n !== first && !handed.includes(n));
  assert.deepEqual(handed, ours.filter((n) => n !== first).slice(0, 11), 'the share, oldest first');
  // Others took the next three of our share: passed over, not handed out to be lost.
  for (const n of rest.slice(0, 3)) fs.rmSync(path.join(layout.queued, n));
  assert.equal(cursor.next(), rest[3]);
  assert.ok(!cursor.exhausted);
});
