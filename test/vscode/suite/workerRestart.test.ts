/// <reference types="mocha" />
import assert from 'node:assert/strict';
import type { PacchettinoApi } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import { counts, extensionApi, freshQueueDir, nextEvent, showJobsView, until, useQueues } from './extensionUnderTest';

describe('Worker crash', () => {
  let api: PacchettinoApi;
  let dir: string;

  before(async () => {
    api = await extensionApi();
    dir = freshQueueDir('restart');
    await fillQueue(dir, { queued: 3, success: 2, failed: 1 });
    await useQueues(api, ['queues/restart']);
    await showJobsView(api);
  });

  it('a SIGKILLed worker is restarted, and the tree comes back with the same counts', async () => {
    const before = await counts(api, dir);
    assert.deepEqual({ q: before.QUEUED, s: before.SUCCESS, f: before.FAILED }, { q: 3, s: 2, f: 1 });
    const oldPid = api.workerPid();
    assert.ok(oldPid);

    const restarted = nextEvent(api.onDidWorkerStart, 'a new worker', (pid) => pid !== undefined && pid !== oldPid);
    const t0 = performance.now();
    process.kill(oldPid, 'SIGKILL');
    const newPid = await restarted;
    console.log(`[measure] worker SIGKILLed -> new worker (pid ${oldPid} -> ${newPid}) configured after ${(performance.now() - t0).toFixed(0)} ms`);
    assert.throws(() => process.kill(oldPid, 0), /ESRCH/, 'the old worker is gone');

    const after = await until(api, 'the same counts from the new worker', async () => {
      const c = await counts(api, dir);
      return c.QUEUED === 3 && c.SUCCESS === 2 && c.FAILED === 1 ? c : undefined;
    });
    assert.deepEqual(after, before);
    assert.equal(api.workerPid(), newPid);
    assert.match(api.statusText(), /\$\(inbox\) 3 \$\(sync\) 0 \$\(error\) 1/);
  });
});
