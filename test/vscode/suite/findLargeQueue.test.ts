/// <reference types="mocha" />
// Find and filter against a queue of 100,000 jobs, timed as the issue asks: the job
// selected in the tree, and a filter's first page.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { JobNode, JobsNode, PacchettinoApi } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import { extensionApi, freshQueueDir, nextEvent, showJobsView, stateNode, treeAtRest, treeItem, until, useQueues } from './extensionUnderTest';

const JOBS = 100_000;

describe(`Find and filter in a queue of ${JOBS.toLocaleString('en-US')} jobs`, () => {
  let api: PacchettinoApi;
  let dir: string;
  let ids: string[];

  before(async function () {
    this.timeout(300_000);
    api = await extensionApi();
    dir = freshQueueDir('find-big');
    const t0 = performance.now();
    ids = await fillQueue(dir, { queued: JOBS });
    console.log(`[measure] fixture: ${JOBS} jobs sent in ${(performance.now() - t0).toFixed(0)} ms`);
    await useQueues(api, ['queues/find-big']);
    await showJobsView(api);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await useQueues(api, []);
  });

  it('finds a job by full id, by prefix and by job name and selects it in the tree', async () => {
    const middle = ids[JOBS / 2];
    const last = ids[JOBS - 7];
    for (const [form, id] of [
      [middle, middle],
      [last.slice(0, 23), last],
      [`raw-${ids[12_345]}`, ids[12_345]],
    ] as const) {
      // Each Find is a user's action of its own, timed from a view at rest (not inside the previous one's refresh batch).
      await treeAtRest(api);
      const t0 = performance.now();
      const selectedAt = nextEvent(api.treeView.onDidChangeSelection, `the selection of ${id}`, (e) =>
        e.selection.some((n) => n.kind === 'job' && n.job.id === id),
      ).then(() => performance.now() - t0);
      const found = await vscode.commands.executeCommand<{ node?: JobNode }>('pacchettino.findJob', form, { details: false });
      const ms = await selectedAt;
      console.log(`[measure] ${JOBS} jobs: Find Job "${form}" -> selected in the tree after ${ms.toFixed(0)} ms`);
      assert.equal(found.node?.job.id, id);
      assert.equal((api.treeView.selection[0] as JobNode).job.id, id);
    }
  });

  it('filters the state: first page of matches', async () => {
    const queued = await until(api, 'the Queued node', async () => {
      const s = await stateNode(api, dir, 'QUEUED');
      return s?.count === JOBS ? s : undefined;
    });
    // A piece of one id: few matches, found by reading all 100,000 names.
    const needle = ids[77_777].slice(24, 30);
    const t0 = performance.now();
    await vscode.commands.executeCommand('pacchettino.filter', queued, { nameContains: needle });
    const { filtered, page } = await until(api, 'the filtered page', async () => {
      const s = await stateNode(api, dir, 'QUEUED');
      if (!s?.view.filter) return undefined;
      const kids = ((await api.tree.getChildren(s)) as JobsNode[]).filter((n): n is JobNode => n.kind === 'job');
      return s.matched !== undefined ? { filtered: s, page: kids } : undefined;
    });
    console.log(`[measure] ${JOBS} jobs: filter "${needle}" -> first page (${page.length} jobs) after ${(performance.now() - t0).toFixed(0)} ms`);
    assert.ok(page.some((j) => j.job.id === ids[77_777]));
    assert.match(String(treeItem(api, filtered).description), new RegExp(`^${filtered.matched} of 100,000 · filter: ${needle}$`));
    await vscode.commands.executeCommand('pacchettino.clearFilter', filtered);
  });
});
