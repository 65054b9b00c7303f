/// <reference types="mocha" />
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PacchettinoApi } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import { extensionApi, freshQueueDir, jobsIn, jobShownIn, nextEvent, showJobsView, stateNode, until, useQueues } from './extensionUnderTest';

describe('Job and state commands', () => {
  let api: PacchettinoApi;
  let dir: string;
  let ids: string[];

  before(async () => {
    api = await extensionApi();
    dir = freshQueueDir('commands');
    ids = await fillQueue(dir, { success: 1, failed: 2 });
    await useQueues(api, ['queues/commands']);
    await showJobsView(api);
  });

  it('"Open Payload" opens the job\'s file where it is now', async () => {
    const [job] = await jobsIn(api, dir, 'SUCCESS');
    assert.equal(job.job.id, ids[0]);
    const opened = nextEvent(
      vscode.window.onDidChangeActiveTextEditor,
      'the payload editor',
      (e) => e?.document.uri.fsPath === path.join(dir, 'success', `raw-${ids[0]}`),
    );
    await vscode.commands.executeCommand('pacchettino.openPayload', job);
    const editor = await opened;
    assert.equal(editor!.document.getText(), 'job 0\n');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('"Requeue All" on Failed puts every failed job back in Queued', async () => {
    const failed = await until(api, 'the Failed node with 2 jobs', async () => {
      const s = await stateNode(api, dir, 'FAILED');
      return s?.count === 2 ? s : undefined;
    });
    const result = await vscode.commands.executeCommand<{ done: number }>('pacchettino.requeueAll', failed);
    assert.equal(result.done, 2);
    for (const id of ids.slice(1)) await jobShownIn(api, dir, 'QUEUED', id);
    assert.equal((await stateNode(api, dir, 'FAILED'))?.count, 0);
  });
});
