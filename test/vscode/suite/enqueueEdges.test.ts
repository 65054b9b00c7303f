/// <reference types="mocha" />
// Enqueue's rough edges (issue 10): a 1 GB file copied off the worker's request loop, with a
// progress notification whose Cancel leaves nothing behind; a broken queue refused in our
// words and listed as such in the pick; unsaved edits asked about; the reason first.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Pacchettino } from 'pacchettino';
import type { EnqueueResult } from '@pacchettino/shared';
import type { JobsNode, PacchettinoApi, QueueNode, StateNode } from '../../../client/src/api';
import { extensionApi, freshQueueDir, queueNode, showJobsView, until, useQueues, workspaceDir } from './extensionUnderTest';

type Outcome = EnqueueResult & { queue: string; message?: string };
interface PickItem {
  path: string;
  label: string;
  description?: string;
  detail?: string;
  error?: string;
}

/** Polls a folder (nothing signals a file growing in another process's tmp/) until `accept` passes. */
async function untilFolder(dir: string, what: string, accept: (sizes: number[]) => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sizes = fs.existsSync(dir) ? fs.readdirSync(dir).map((n) => fs.statSync(path.join(dir, n)).size) : [];
    if (accept(sizes)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${dir}: ${sizes.join(', ')})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function fileIn(dir: string, name: string, text: string): vscode.Uri {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), text);
  return vscode.Uri.file(path.join(dir, name));
}

describe('Enqueue: large files, broken queues, unsaved edits', () => {
  let api: PacchettinoApi;
  let docs: string;

  before(async () => {
    api = await extensionApi();
    docs = path.join(workspaceDir(), 'edges');
    await showJobsView(api);
  });

  after(() => fs.rmSync(docs, { recursive: true, force: true }));

  it('a 1 GB enqueue while another queue’s tree is refreshed: that refresh answers within 300 ms; Cancel leaves nothing behind', async () => {
    const big = freshQueueDir('big');
    const other = freshQueueDir('other');
    await useQueues(api, ['queues/big', 'queues/other']);
    const others = new Pacchettino(other, { watch: false });
    const sent = [others.sendData('one'), others.sendData('two'), others.sendData('three')];
    void others.close();
    // Sparse: made in no time and taking no disk, yet the worker's copy reads (and writes) every byte of it.
    fs.mkdirSync(docs, { recursive: true });
    const file = path.join(docs, 'disk.img');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, 1024 ** 3);

    const cancel = new vscode.CancellationTokenSource();
    const sending = vscode.commands.executeCommand<Outcome>('pacchettino.enqueueActiveFile', vscode.Uri.file(file), undefined, {
      choose: (items: PickItem[]) => items.find((i) => i.path === big),
      cancellation: cancel.token,
    });
    // The copy is under way once its tmp/ file has bytes in it.
    await untilFolder(path.join(big, 'tmp'), 'the copy to start', (sizes) => sizes.some((s) => s > 0));

    const t0 = performance.now();
    api.tree.refresh();
    const roots = (await api.tree.getChildren()) as JobsNode[];
    const otherNode = roots.find((n): n is QueueNode => n.kind === 'queue' && n.path === other);
    assert.ok(otherNode?.summary.counts, 'the other queue is shown with its counts');
    const queued = ((await api.tree.getChildren(otherNode)) as StateNode[]).find((s) => s.state === 'QUEUED')!;
    const page = (await api.tree.getChildren(queued)) as JobsNode[];
    const ms = performance.now() - t0;
    console.log(`[measure] tree refresh of another queue during a 1 GB enqueue: ${ms.toFixed(0)} ms`);
    assert.deepEqual(page.map((n) => (n.kind === 'job' ? n.job.id : n.kind)).sort(), [...sent].sort());
    assert.ok(ms < 300, `the refresh answered after ${ms.toFixed(0)} ms`);
    const copiedSoFar = fs.readdirSync(path.join(big, 'tmp')).map((n) => fs.statSync(path.join(big, 'tmp', n)).size);
    assert.ok(
      copiedSoFar.some((s) => s > 0 && s < 1024 ** 3),
      `the copy was still under way (${copiedSoFar.join(', ')} bytes)`,
    );

    cancel.cancel(); // what the notification's Cancel does
    const outcome = await sending;
    assert.equal(outcome.cancelled, true);
    assert.deepEqual(outcome.ids, []);
    assert.deepEqual(fs.readdirSync(path.join(big, 'tmp')), [], 'the cancelled copy is removed');
    assert.deepEqual(fs.readdirSync(path.join(big, 'queued')), [], 'nothing is queued');
    fs.rmSync(file);
  });

  it('enqueue into a broken queue says what is wrong in our words; the pick lists broken queues as such', async () => {
    const good = freshQueueDir('fine');
    const linked = freshQueueDir('linked');
    const asFile = freshQueueDir('a-file');
    await useQueues(api, ['queues/fine', 'queues/linked']);
    fs.writeFileSync(asFile, 'not a folder');
    // queued/ swapped for a link to a folder outside the queue, after the worker opened it.
    const outside = path.join(docs, 'outside');
    fs.mkdirSync(outside, { recursive: true });
    fs.rmSync(path.join(linked, 'queued'), { recursive: true });
    fs.symlinkSync(outside, path.join(linked, 'queued'));
    await vscode.workspace
      .getConfiguration('pacchettino')
      .update('queues', ['queues/fine', 'queues/linked', 'queues/a-file'], vscode.ConfigurationTarget.Workspace);
    await until(api, 'both broken queues shown in error', async () => {
      const nodes = await Promise.all([linked, asFile].map((q) => queueNode(api, q)));
      return nodes.every((n) => n?.summary.error) ? true : undefined;
    });

    const uri = fileIn(docs, 'report.txt', 'report');
    let offered: PickItem[] = [];
    const intoFile = await vscode.commands.executeCommand<Outcome>('pacchettino.enqueueActiveFile', uri, undefined, {
      choose: (items: PickItem[]) => ((offered = items), items.find((i) => i.path === asFile)),
    });
    const byPath = new Map(offered.map((i) => [i.path, i]));
    assert.equal(byPath.get(good)?.error, undefined);
    assert.match(byPath.get(good)!.description!, /0 queued/);
    for (const broken of [linked, asFile]) {
      assert.match(byPath.get(broken)!.label, /^\$\(error\) /);
      assert.equal(byPath.get(broken)!.description, 'cannot be used now');
      assert.ok(byPath.get(broken)!.detail, 'the worker’s error is shown');
    }
    assert.match(byPath.get(linked)!.detail!, /linked\/queued\/? is a symbolic link/);

    assert.deepEqual(intoFile.ids, []);
    assert.match(intoFile.errors[0].message, /^A file or a link stands where the queue needs a folder of its own: nothing was enqueued in queues\/a-file\. /);
    assert.equal(intoFile.errors[0].code, 'NOT_A_DIRECTORY');

    const intoLinked = await vscode.commands.executeCommand<Outcome>('pacchettino.enqueueActiveFile', uri, undefined, {
      choose: (items: PickItem[]) => items.find((i) => i.path === linked),
    });
    assert.match(intoLinked.errors[0].message, /^A file or a link stands where the queue needs a folder of its own: nothing was enqueued in queues\/linked/);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing reached the folder outside');
    fs.rmSync(asFile);
  });

  it('a file whose name is too long: the toast says why first, then the name', async () => {
    freshQueueDir('long-names');
    await useQueues(api, ['queues/long-names']);
    const uri = fileIn(docs, `${'n'.repeat(201)}.txt`, 'long');
    const outcome = await vscode.commands.executeCommand<Outcome>('pacchettino.enqueueActiveFile', uri);
    assert.equal(outcome.errors[0].code, 'NAME_TOO_LONG');
    assert.match(outcome.message!, /^The file name is too long for a queue \(at most 200 bytes\): n{201}\.txt was not enqueued\./);
  });

  describe('an editor with unsaved changes', () => {
    let queue: string;
    let uri: vscode.Uri;
    let editor: vscode.TextEditor;
    let n = 0;

    beforeEach(async () => {
      // A new queue each time: the worker does not recreate a queue folder removed under it.
      queue = freshQueueDir(`drafts-${++n}`);
      await useQueues(api, [`queues/drafts-${n}`]);
      uri = fileIn(docs, `draft-${Date.now()}.txt`, 'on disk\n');
      editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'edited '));
      assert.equal(editor.document.isDirty, true);
    });

    afterEach(async () => {
      if (!editor) return;
      if (editor.document.isDirty) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      else await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    const payloadOf = (outcome: Outcome) => fs.readFileSync(path.join(queue, 'queued', `fle-${outcome.ids[0]}-${path.basename(uri.fsPath)}`), 'utf8');

    it('"Send Saved Version" sends what is on disk and leaves the edits unsaved', async () => {
      const outcome = await vscode.commands.executeCommand<Outcome>('pacchettino.enqueueActiveFile', undefined, undefined, { unsaved: 'saved' });
      assert.equal(payloadOf(outcome), 'on disk\n');
      assert.equal(editor.document.isDirty, true);
      assert.equal(fs.readFileSync(uri.fsPath, 'utf8'), 'on disk\n');
    });

    it('"Save and Send" saves the edits, then sends them', async () => {
      const outcome = await vscode.commands.executeCommand<Outcome>('pacchettino.enqueueActiveFile', undefined, undefined, { unsaved: 'save' });
      assert.equal(payloadOf(outcome), 'edited on disk\n');
      assert.equal(editor.document.isDirty, false);
    });
  });
});
