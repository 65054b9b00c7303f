/// <reference types="mocha" />
// Issue 10's rough edges, as a user meets them: adding a folder that is missing or holds
// files, a queue that cannot be opened (its menu), empty states' buttons, a payload tab after
// its job moved, the welcome text.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PacchettinoApi, QueueNode } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import {
  EXTENSION_ID,
  extensionApi,
  freshQueueDir,
  jobShownIn,
  nextEvent,
  queueNode,
  showJobsView,
  stateNode,
  treeItem,
  until,
  useQueues,
  workspaceDir,
} from './extensionUnderTest';

interface MenuEntry {
  command: string;
  when: string;
}

/**
 * The Jobs view's context-menu commands (inline or not) whose `viewItem` condition holds
 * for `contextValue`, read from the manifest as VS Code reads it; entries that need a
 * multi-selection are left out. The rest of each clause (the view, read-only mode) holds here.
 */
function menuCommandsFor(contextValue: string): Set<string> {
  const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { menus: Record<string, MenuEntry[]> } };
  const shown = new Set<string>();
  for (const e of manifest.contributes.menus['view/item/context']) {
    if (!e.when.includes('view == pacchettino.jobs') || e.when.includes('listMultiSelection')) continue;
    const equal = /viewItem == ([\w.]+)/.exec(e.when);
    const regex = /viewItem =~ \/(.+?)\/(?= |$)/.exec(e.when);
    if ((equal && equal[1] === contextValue) || (regex && new RegExp(regex[1]).test(contextValue))) shown.add(e.command.replace(/^pacchettino\./, ''));
  }
  return shown;
}

const queuesSetting = () => vscode.workspace.getConfiguration('pacchettino').inspect<string[]>('queues')?.workspaceValue ?? [];

describe('Rough edges', () => {
  let api: PacchettinoApi;

  before(async () => {
    api = await extensionApi();
    await useQueues(api, []);
    await showJobsView(api);
  });

  it('"Add Queue Folder…" on a missing folder asks first: declined, nothing is written or created; accepted, it is created', async () => {
    const dir = path.join(freshQueueDir('to-create'), 'nested');
    assert.equal(await vscode.commands.executeCommand('pacchettino.addQueue', dir, { confirmed: false }), undefined);
    assert.deepEqual(queuesSetting(), []);
    assert.equal(fs.existsSync(dir), false);

    assert.equal(await vscode.commands.executeCommand('pacchettino.addQueue', dir, { confirmed: true }), dir);
    assert.deepEqual(queuesSetting(), [path.relative(workspaceDir(), dir)]);
    await until(api, 'the created queue with its counts', async () => (await queueNode(api, dir))?.summary.counts);
    assert.ok(fs.statSync(path.join(dir, 'queued')).isDirectory());
  });

  it("a folder holding the user's files is added only once the user agrees, and its files are left as they were", async () => {
    const dir = freshQueueDir('with-files');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const before = queuesSetting();
    assert.equal(await vscode.commands.executeCommand('pacchettino.addQueue', dir, { confirmed: false }), undefined);
    assert.deepEqual(queuesSetting(), before);
    assert.deepEqual(fs.readdirSync(dir), ['notes.txt'], 'no state folder laid beside the file');

    assert.equal(await vscode.commands.executeCommand('pacchettino.addQueue', dir, { confirmed: true }), dir);
    await until(api, 'the queue beside the files', async () => (await queueNode(api, dir))?.summary.counts);
    assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
    assert.ok(fs.readdirSync(dir).includes('queued'));
  });

  it('a path that is a file is refused and never written to the settings', async () => {
    const file = path.join(freshQueueDir('a-file'), 'file.txt');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
    const before = queuesSetting();
    assert.equal(await vscode.commands.executeCommand('pacchettino.addQueue', file, { confirmed: true }), undefined);
    assert.deepEqual(queuesSetting(), before);
  });

  it('a folder the worker cannot create is taken out of the settings again', async () => {
    // Not even root may make a folder in /sys (EPERM): the worker's mkdir fails for real.
    const dir = '/sys/pacchettino-cannot-create/queue';
    const before = queuesSetting();
    assert.equal(await vscode.commands.executeCommand('pacchettino.addQueue', dir, { confirmed: true }), undefined);
    assert.deepEqual(queuesSetting(), before);
    assert.ok(!((await api.tree.getChildren()) as QueueNode[]).some((q) => q.path === dir));
  });

  it('a queue that cannot be opened has a menu (remove from view, reveal, settings) and no live actions; Remove from View drops the setting, not the files', async () => {
    const file = path.join(freshQueueDir('broken'), 'not-a-folder');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
    const rel = path.relative(workspaceDir(), file);
    await vscode.workspace.getConfiguration('pacchettino').update('queues', [...queuesSetting(), rel], vscode.ConfigurationTarget.Workspace);
    const broken = await until(api, 'the broken queue', async () => {
      const q = await queueNode(api, file);
      return q?.summary.error ? q : undefined;
    });
    assert.equal(treeItem(api, broken).contextValue, 'queue.broken');
    const menu = menuCommandsFor('queue.broken');
    for (const c of ['removeQueue', 'revealQueue', 'openQueueSettings']) assert.ok(menu.has(c), `${c} on a broken queue`);
    for (const c of ['pauseQueue', 'resumeQueue', 'showThroughput']) assert.ok(!menu.has(c), `no ${c} on a broken queue`);
    for (const c of ['removeQueue', 'revealQueue', 'openQueueSettings', 'pauseQueue']) assert.ok(menuCommandsFor('queue').has(c), `${c} on a healthy queue`);

    await vscode.commands.executeCommand('pacchettino.openQueueSettings', broken);
    const tab = await until(api, 'the settings editor', () =>
      Promise.resolve(vscode.window.tabGroups.activeTabGroup.activeTab?.label.match(/Settings/) ? true : undefined),
    );
    assert.ok(tab);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    assert.equal(await vscode.commands.executeCommand('pacchettino.removeQueue', broken), true);
    assert.ok(!queuesSetting().includes(rel));
    await until(api, 'the broken queue gone from the tree', async () =>
      ((await api.tree.getChildren()) as QueueNode[]).some((q) => q.path === file) ? undefined : true,
    );
    assert.equal(fs.readFileSync(file, 'utf8'), 'x', 'the file is left as it was');
  });

  it('an empty state offers no Requeue All, Clean Up, Delete All, Filter or Sort; a state with jobs does', async () => {
    const dir = freshQueueDir('empty-states');
    await fillQueue(dir, { failed: 1 });
    await useQueues(api, [path.relative(workspaceDir(), dir)]);
    const success = (await stateNode(api, dir, 'SUCCESS'))!;
    assert.equal(success.count, 0);
    assert.equal(treeItem(api, success).contextValue, 'state.success.empty');
    const onEmpty = menuCommandsFor('state.success.empty');
    for (const c of ['requeueAll', 'cleanUp', 'deleteAll', 'filter', 'sort', 'promoteAll']) assert.ok(!onEmpty.has(c), `no ${c} on an empty state`);
    const failed = (await stateNode(api, dir, 'FAILED'))!;
    assert.equal(treeItem(api, failed).contextValue, 'state.failed');
    const onFailed = menuCommandsFor('state.failed');
    for (const c of ['requeueAll', 'cleanUp', 'deleteAll', 'filter', 'sort']) assert.ok(onFailed.has(c), `${c} on a state with jobs`);
    // A filter left on a state that emptied can still be cleared.
    assert.ok(menuCommandsFor('state.failed.filtered.empty').has('clearFilter'));
  });

  it('a payload tab follows its job when a requeue moves it: closed at the old path, open at the new one', async () => {
    const dir = freshQueueDir('payload-tab');
    const [id] = await fillQueue(dir, { failed: 1 });
    await useQueues(api, [path.relative(workspaceDir(), dir)]);
    const job = await jobShownIn(api, dir, 'FAILED', id);
    const oldPath = path.join(dir, 'failed', `raw-${id}`);
    const newPath = path.join(dir, 'queued', `raw-${id}`);
    const opened = nextEvent(vscode.window.onDidChangeActiveTextEditor, 'the payload editor', (e) => e?.document.uri.fsPath === oldPath);
    await vscode.commands.executeCommand('pacchettino.openPayload', job);
    await opened;
    const followed = nextEvent(vscode.window.onDidChangeActiveTextEditor, 'the payload at its new path', (e) => e?.document.uri.fsPath === newPath);
    await vscode.commands.executeCommand('pacchettino.requeue', job);
    const editor = await followed;
    assert.equal(editor!.document.getText(), 'job 0\n');
    const paths = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => (t.input instanceof vscode.TabInputText ? t.input.uri.fsPath : ''));
    assert.ok(!paths.includes(oldPath), 'no tab left on the old path');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('the welcome text has no literal backticks: it renders as plain words and links', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    for (const file of ['package.nls.json', 'package.nls.it.json']) {
      const nls = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, file), 'utf8')) as Record<string, string>;
      for (const key of ['welcome.noQueue', 'welcome.foundQueues']) assert.ok(nls[key] && !nls[key].includes('`'), `${file} ${key}`);
    }
  });
});
