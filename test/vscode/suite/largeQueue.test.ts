/// <reference types="mocha" />
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { JobsNode, MoreNode, PacchettinoApi, QueueNode, StateNode } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import { extensionApi, freshQueueDir, labelOf, showJobsView, until, useQueues } from './extensionUnderTest';

const JOBS = 10_000;

describe('A queue of 10,000 jobs', () => {
  let api: PacchettinoApi;

  before(async () => {
    api = await extensionApi();
    await useQueues(api, []);
    await showJobsView(api);
  });

  it('shows its counts and the first page, with "Load more…"', async () => {
    const dir = freshQueueDir('big');
    const made = performance.now();
    await fillQueue(dir, { queued: JOBS });
    console.log(`[measure] fixture: ${JOBS} jobs sent in ${(performance.now() - made).toFixed(0)} ms`);

    // Timed from the moment the queue is configured, as when a user adds it.
    const t0 = performance.now();
    await vscode.workspace.getConfiguration('pacchettino').update('queues', ['queues/big'], vscode.ConfigurationTarget.Workspace);
    const queued = await until(
      api,
      'the Queued count of the big queue',
      async () => {
        const roots = (await api.tree.getChildren()) as QueueNode[];
        const q = roots.find((r) => r.path === dir && r.summary.counts?.QUEUED === JOBS);
        if (!q) return undefined;
        return ((await api.tree.getChildren(q)) as StateNode[]).find((s) => s.state === 'QUEUED');
      },
      30_000,
    );
    const countsMs = performance.now() - t0;
    const page = (await api.tree.getChildren(queued)) as JobsNode[];
    const firstPageMs = performance.now() - t0;
    console.log(`[measure] ${JOBS} jobs: counts shown after ${countsMs.toFixed(0)} ms, first page after ${firstPageMs.toFixed(0)} ms`);

    assert.equal(queued.count, JOBS);
    assert.equal(page.length, 101, '100 jobs and "Load more…"');
    const more = page[100] as MoreNode;
    assert.equal(more.kind, 'more');
    assert.equal(labelOf(api, more), 'Load more…');
    assert.equal(page.filter((n) => n.kind === 'job').length, 100);

    const t1 = performance.now();
    await vscode.commands.executeCommand('pacchettino.loadMore', more);
    const twoPages = (await api.tree.getChildren(queued)) as JobsNode[];
    console.log(`[measure] "Load more…" -> 200 jobs in ${(performance.now() - t1).toFixed(0)} ms`);
    assert.equal(twoPages.filter((n) => n.kind === 'job').length, 200);
    assert.match(api.statusText(), new RegExp(`\\$\\(inbox\\) ${JOBS} `));
  });

  after(async () => {
    await useQueues(api, []);
  });
});
