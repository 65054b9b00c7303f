/// <reference types="mocha" />
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PacchettinoApi } from '../../../client/src/api';
import type { EnqueueResult } from '@pacchettino/shared';
import { extensionApi, freshQueueDir, jobShownIn, labelOf, showJobsView, stateNode, useQueues, UUID, workspaceDir } from './extensionUnderTest';

type Outcome = EnqueueResult & { queue: string };

describe('Enqueue', () => {
  let api: PacchettinoApi;
  let queue: string;

  before(async () => {
    api = await extensionApi();
    queue = freshQueueDir('inbox');
    await useQueues(api, ['queues/inbox']);
    await showJobsView(api);
  });

  it('sends the open file: queued/fle-<uuid>-<name> holds the same bytes, and the Queued node lists it within 1 s', async () => {
    const file = path.join(workspaceDir(), 'docs', 'report.txt');
    const text = `Rapporto — ${randomBytes(16).toString('hex')}\nriga due ✓\n`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));

    const t0 = performance.now();
    const outcome = await vscode.commands.executeCommand<Outcome>('pacchettino.enqueueActiveFile');
    assert.deepEqual(outcome.errors, []);
    assert.equal(outcome.queue, queue);
    const [id] = outcome.ids;
    assert.match(id, UUID);
    assert.deepEqual(fs.readFileSync(path.join(queue, 'queued', `fle-${id}-report.txt`)), Buffer.from(text));

    const job = await jobShownIn(api, queue, 'QUEUED', id, { timeoutMs: 1000 });
    const ms = performance.now() - t0;
    console.log(`[measure] enqueue active file -> listed under Queued: ${ms.toFixed(0)} ms`);
    assert.ok(ms < 1000, `listed after ${ms.toFixed(0)} ms`);
    assert.equal(labelOf(api, job), 'report.txt');
    assert.equal((await stateNode(api, queue, 'QUEUED'))?.count, 1);
  });

  it('sends the editor selection as a data job', async () => {
    const editor = vscode.window.activeTextEditor!;
    editor.selection = new vscode.Selection(0, 0, 0, 'Rapporto'.length);
    const outcome = await vscode.commands.executeCommand<Outcome>('pacchettino.enqueueSelection');
    const [id] = outcome.ids;
    assert.equal(fs.readFileSync(path.join(queue, 'queued', `raw-${id}`), 'utf8'), 'Rapporto');
    await jobShownIn(api, queue, 'QUEUED', id);
  });

  it('sends an explorer multi-selection of 30 files (with a progress notification)', async () => {
    const dir = path.join(workspaceDir(), 'docs', 'many');
    fs.mkdirSync(dir, { recursive: true });
    const uris = Array.from({ length: 30 }, (_, i) => {
      const f = path.join(dir, `page-${String(i).padStart(2, '0')}.txt`);
      fs.writeFileSync(f, `page ${i}\n`);
      return vscode.Uri.file(f);
    });
    // What the explorer passes: the clicked item and the whole selection.
    const outcome = await vscode.commands.executeCommand<Outcome>('pacchettino.enqueueActiveFile', uris[0], uris);
    assert.equal(outcome.ids.length, 30);
    assert.deepEqual(outcome.errors, []);
    for (const [i, id] of outcome.ids.entries()) {
      assert.ok(fs.existsSync(path.join(queue, 'queued', `fle-${id}-page-${String(i).padStart(2, '0')}.txt`)));
    }
    await jobShownIn(api, queue, 'QUEUED', outcome.ids[29]);
  });
});
