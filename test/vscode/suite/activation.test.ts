/// <reference types="mocha" />
// First file (mocha loads them sorted): the extension activated at startup and nothing has
// opened its view yet, so this sees the status bar alone and the welcome view of a workspace without queues.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PacchettinoApi, QueueNode } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import { EXTENSION_ID, freshQueueDir, showJobsView, until, workspaceDir } from './extensionUnderTest';

describe('Activation', () => {
  let api: PacchettinoApi;

  it('activates once startup has finished (no "*"), fast, and starts the worker', async () => {
    const ext = vscode.extensions.getExtension<PacchettinoApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed in VS Code ${vscode.version}`);
    const { activationEvents } = ext.packageJSON as { activationEvents: string[] };
    assert.ok(!activationEvents.includes('*'), 'no "*" activation');
    // onStartupFinished: after the window is up, never delaying it; the status bar needs no view opened.
    assert.ok(activationEvents.includes('onStartupFinished'));
    const t0 = performance.now();
    api = ext.isActive ? ext.exports : await ext.activate();
    const activated = performance.now() - t0;
    await api.workerReady;
    const ready = performance.now() - t0;
    console.log(
      `[measure] activation: ${activated.toFixed(0)} ms (activate() body ${api.activationMs.toFixed(1)} ms); worker started and configured after ${ready.toFixed(0)} ms`,
    );
    assert.equal(ext.isActive, true);
    assert.ok(api.workerPid(), 'the worker runs');
    const commands = await vscode.commands.getCommands(true);
    for (const c of [
      'enqueueActiveFile',
      'enqueueSelection',
      'addQueue',
      'refresh',
      'openPayload',
      'showDetails',
      'findJob',
      'filter',
      'clearFilter',
      'sort',
      'promote',
      'deleteAll',
      'promoteAll',
      'lookForQueues',
      'requeue',
      'delete',
      'reveal',
      'copyId',
      'requeueAll',
      'cleanUp',
    ]) {
      assert.ok(commands.includes(`pacchettino.${c}`), `pacchettino.${c} is registered`);
    }
  });

  it("the status bar shows a queue's counts without the Jobs view ever having been opened", async () => {
    assert.equal(api.treeView.visible, false, 'the Jobs view has not been shown yet');
    const dir = freshQueueDir('status-at-start');
    await fillQueue(dir, { queued: 2, failed: 1 });
    await vscode.workspace.getConfiguration('pacchettino').update('queues', [path.relative(workspaceDir(), dir)], vscode.ConfigurationTarget.Workspace);
    await until(api, 'the status bar counts', () => Promise.resolve(/\$\(inbox\) 2 \$\(sync\) 0 \$\(error\) 1/.test(api.statusText()) ? true : undefined));
    assert.equal(api.treeView.visible, false, 'still without the view');
    await vscode.workspace.getConfiguration('pacchettino').update('queues', undefined, vscode.ConfigurationTarget.Workspace);
    await until(api, 'no queue configured again', async () => (api.statusText() === '' || !(await api.tree.getChildren())?.length ? true : undefined));
  });

  it('shows the welcome view while no queue is configured', async () => {
    await showJobsView(api);
    assert.equal(api.treeView.visible, true);
    // An empty tree is what makes VS Code show viewsWelcome's "Add Queue Folder…".
    assert.deepEqual(await api.tree.getChildren(), []);
  });

  it('"Add Queue Folder…" stores a workspace-relative path, creates the folder, and the tree shows its states', async () => {
    const dir = freshQueueDir('welcome');
    // The folder does not exist yet: the command asks before creating it, and the test says yes.
    const added = await vscode.commands.executeCommand<string>('pacchettino.addQueue', dir, { confirmed: true });
    assert.equal(added, dir);
    assert.deepEqual(vscode.workspace.getConfiguration('pacchettino').get('queues'), [path.relative(workspaceDir(), dir)]);
    const queue = await until(api, 'the new queue in the tree', async () => {
      const roots = (await api.tree.getChildren()) as QueueNode[];
      return roots.find((r) => r.path === dir && r.summary.counts);
    });
    const states = await api.tree.getChildren(queue);
    assert.deepEqual(
      states?.map((s) => s.kind === 'state' && s.state),
      ['SCHEDULED', 'QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'INTERRUPTED'],
    );
    assert.ok(fs.statSync(path.join(dir, 'queued')).isDirectory(), 'the worker created the state folders');
    assert.match(api.statusText(), /\$\(inbox\) 0 \$\(sync\) 0 \$\(error\) 0/);
  });
});
