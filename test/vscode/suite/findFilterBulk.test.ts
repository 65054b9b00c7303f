/// <reference types="mocha" />
// Issue 10 in the real VS Code: Find Job reveals and selects, a filter shows on its node
// and clears with one click, details documents show every attempt, a bulk requeue of a
// filtered state, read-only mode, and queues found in the workspace.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Pacchettino } from 'pacchettino';
import type { JobNode, JobsNode, PacchettinoApi, StateNode } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import { EXTENSION_ID, extensionApi, freshQueueDir, nextEvent, showJobsView, stateNode, treeItem, until, useQueues, workspaceDir } from './extensionUnderTest';

const FAILED = 1000;

/** File jobs sent and failed by the real core, in this process (three are cheap). */
async function failFiles(dir: string, names: string[]): Promise<string[]> {
  const q = new Pacchettino(dir);
  const src = fs.mkdtempSync(path.join(workspaceDir(), '.src-'));
  const ids = names.map((n) => {
    fs.writeFileSync(path.join(src, n), `${n}\n`);
    return q.sendFile(path.join(src, n), { move: true });
  });
  q.onFile = (job) => ({ result: 'FAILED', reason: `${job.originalName} is unreadable`, exitCode: 2 });
  for (const _ of ids) await q.receiveOne({ randomize: false, skip: (name) => !name.startsWith('fle-') });
  await q.close();
  fs.rmSync(src, { recursive: true, force: true });
  return ids;
}

function detailsDocument(id: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'pacchettino-job' && d.uri.path === `/${id}.md`);
}

async function failedNode(api: PacchettinoApi, dir: string, accept: (s: StateNode) => boolean = () => true): Promise<StateNode> {
  // A minute: after a 100,000-job fixture a loaded 2-core machine can take this long to redraw.
  return until(
    api,
    'the Failed node',
    async () => {
      const s = await stateNode(api, dir, 'FAILED');
      return s && accept(s) ? s : undefined;
    },
    60_000,
  );
}

describe('Find, filter, details and bulk actions', () => {
  let api: PacchettinoApi;
  let dir: string;
  let dataIds: string[];
  let fileIds: string[];

  before(async function () {
    this.timeout(120_000);
    api = await extensionApi();
    dir = freshQueueDir('find');
    dataIds = await fillQueue(dir, { failed: FAILED });
    fileIds = await failFiles(dir, ['report-a.csv', 'report-b.csv', 'image.png']);
    await useQueues(api, ['queues/find']);
    await showJobsView(api);
    await failedNode(api, dir, (s) => s.count === FAILED + 3);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Find Job by full id, by prefix and by name reveals and selects the job in the tree and opens its details', async () => {
    // The oldest failed job finished first, so it is last of 1,003 (most recently finished first): paging is needed.
    const deep = dataIds[0];
    for (const [form, id] of [
      // Each form finds another job than the one before, so each selects anew.
      [deep, deep],
      ['report-b.csv', fileIds[1]],
      [deep.slice(0, 23), deep],
      [path.join(dir, 'failed', `raw-${dataIds[1]}`), dataIds[1]],
    ] as const) {
      // Timed to the tree's selection; the details document opens after it (the markdown preview's first start takes seconds).
      const t0 = performance.now();
      const selectedAt = nextEvent(api.treeView.onDidChangeSelection, `the selection of ${id}`, (e) =>
        e.selection.some((n) => n.kind === 'job' && n.job.id === id),
      ).then(() => performance.now() - t0);
      const found = await vscode.commands.executeCommand<{ node?: JobNode }>('pacchettino.findJob', form);
      const selected = api.treeView.selection[0] as JobsNode | undefined;
      const ms = await selectedAt;
      console.log(
        `[measure] Find Job "${form.length > 40 ? '…' + form.slice(-30) : form}" -> selected in the tree after ${ms.toFixed(0)} ms (${FAILED + 3} failed jobs)`,
      );
      assert.equal(found.node?.job.id, id, form);
      assert.equal(selected?.kind, 'job');
      assert.equal(selected.job.id, id, `${form}: the tree's selection`);
      const doc = await until(api, `the details of ${id}`, () => Promise.resolve(detailsDocument(id)));
      assert.match(doc.getText(), new RegExp(`\\| Job id \\| \`${id}\` \\|`));
      assert.match(doc.getText(), /\| State \| Failed \|/);
    }
    const deepNode = (await vscode.commands.executeCommand<{ node?: JobNode }>('pacchettino.findJob', deep)).node!;
    const siblings = (await api.tree.getChildren(deepNode.parent)) as JobsNode[];
    assert.equal(siblings[0].kind, 'more', 'a page reached by Find offers "Show earlier…"');
  });

  it('a filter shows on the state node ("2 of 1,003 · filter: csv") and one click clears it', async () => {
    const failed = await failedNode(api, dir);
    const t0 = performance.now();
    await vscode.commands.executeCommand('pacchettino.filter', failed, { nameContains: 'csv' });
    const filtered = await failedNode(api, dir, (s) => s.matched === 2);
    const jobs = ((await api.tree.getChildren(filtered)) as JobsNode[]).filter((n): n is JobNode => n.kind === 'job');
    console.log(`[measure] filter "csv" over ${FAILED + 3} failed jobs -> first page after ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual(jobs.map((j) => j.job.originalName).sort(), ['report-a.csv', 'report-b.csv']);
    const item = treeItem(api, filtered);
    assert.equal(item.description, '2 of 1,003 · filter: csv');
    assert.equal(item.contextValue, 'state.failed.filtered');
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { menus: Record<string, { command: string; when?: string; group?: string }[]> };
    };
    const clear = manifest.contributes.menus['view/item/context'].find((m) => m.command === 'pacchettino.clearFilter' && m.group?.startsWith('inline'));
    assert.ok(clear && /filtered/.test(clear.when ?? ''), 'Clear Filter is an inline action of a filtered node');

    await vscode.commands.executeCommand('pacchettino.clearFilter', filtered);
    const cleared = await failedNode(api, dir, (s) => treeItem(api, s).description === '1,003');
    assert.equal(treeItem(api, cleared).contextValue, 'state.failed');
  });

  it('the details of a job retried twice show every attempt, and say where the job went when it moves', async () => {
    const q = new Pacchettino(dir, { maxAttempts: 3 });
    const id = q.sendData('flaky\n');
    let n = 0;
    q.onData = () =>
      ++n < 3 ? { result: 'RETRY', reason: `timeout ${n}`, exitCode: 75, output: `try ${n}\n` } : { result: 'FAILED', reason: 'gave up', exitCode: 1 };
    for (let i = 0; i < 3; i++) await q.receiveOne({ randomize: false, skip: (name) => !name.includes(id) });
    await q.close();
    const job = await until(api, 'the retried job', async () => {
      const r = await api.worker.findJob({ text: id });
      return r.matches[0]?.job.state === 'FAILED' ? r.matches[0] : undefined;
    });
    assert.equal(job.queue, dir);
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('pacchettino.showDetails', {
      kind: 'job',
      job: job.job,
      parent: { parent: { path: dir } },
    });
    const text = doc.getText();
    assert.match(text, /- Attempt 1: started .* · \*\*RETRY\*\* · exit code 75 — timeout 1/);
    assert.match(text, /- Attempt 2: started .* · \*\*RETRY\*\* · exit code 75 — timeout 2/);
    assert.match(text, /- Attempt 3: started .* · \*\*FAILED\*\* · exit code 1 — gave up/);
    assert.match(text, /try 1/);
    assert.match(text, /```text\nflaky\n```/, 'the payload preview');

    const changed = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === doc && /Moved: this job was Failed, it is now Queued/.test(e.document.getText())) {
          sub.dispose();
          resolve();
        }
      });
    });
    const r = await api.worker.requeue({ queue: dir, ids: [id] });
    assert.equal(r.count, 1);
    await changed;
    new Pacchettino(dir).remove(id);
  });

  it(`a bulk requeue of the ${FAILED} failed jobs a filter matches puts them all in queued/, with a summary`, async () => {
    const failed = await failedNode(api, dir);
    await vscode.commands.executeCommand('pacchettino.filter', failed, { reasonContains: 'made to fail' });
    const filtered = await failedNode(api, dir, (s) => s.matched === FAILED);
    const t0 = performance.now();
    const summary = await vscode.commands.executeCommand<{ asked: number; done: number; refused: unknown[]; cancelled: boolean }>(
      'pacchettino.requeueAll',
      filtered,
      {
        confirmed: true,
      },
    );
    console.log(`[measure] bulk requeue of ${FAILED} filtered failed jobs: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual(summary && { ...summary, refused: summary.refused.length }, {
      action: 'requeue',
      asked: FAILED,
      done: FAILED,
      refused: 0,
      cancelled: false,
    });
    assert.equal(fs.readdirSync(path.join(dir, 'queued')).length, FAILED);
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'failed')).sort(),
      fileIds.map((id, i) => `fle-${id}-${['report-a.csv', 'report-b.csv', 'image.png'][i]}`).sort(),
    );
    await vscode.commands.executeCommand('pacchettino.clearFilter', filtered);
  });

  it('read-only mode: the change commands are hidden by their when clauses, refuse to run, and the worker refuses a requeue', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { menus: Record<string, { command: string; when?: string }[]> };
    };
    const changing = ['requeue', 'delete', 'promote', 'requeueAll', 'deleteAll', 'promoteAll', 'cleanUp', 'enqueueActiveFile', 'enqueueSelection'].map(
      (c) => `pacchettino.${c}`,
    );
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const e of entries) {
        if (changing.includes(e.command) && e.when !== 'false') assert.match(e.when ?? '', /!pacchettino\.readOnly/, `${menu}: ${e.command}`);
      }
    }
    await vscode.workspace.getConfiguration('pacchettino').update('readOnly', true, vscode.ConfigurationTarget.Workspace);
    try {
      const [failedFile] = fileIds;
      // Probed with an id no queue holds: before the setting reaches the worker a probe must move
      // nothing (a real job's requeue would, as a fresh-clone run saw), after it the worker refuses it.
      const noSuchJob = '00000000-0000-7000-8000-000000000000';
      await until(api, 'the worker to be read-only', async () => {
        try {
          await api.worker.requeue({ queue: dir, ids: [noSuchJob] });
          return undefined;
        } catch (err) {
          return (err as { code?: number }).code === -32004 ? true : undefined;
        }
      });
      await assert.rejects(
        api.worker.requeue({ queue: dir, ids: [failedFile] }),
        (err: { code?: number }) => err.code === -32004,
        'the worker refuses a requeue',
      );
      const node = (await vscode.commands.executeCommand<{ node?: JobNode }>('pacchettino.findJob', failedFile, { details: false })).node!;
      assert.equal(await vscode.commands.executeCommand('pacchettino.requeue', node), undefined, 'the command refuses');
      assert.equal((await api.worker.findJob({ text: failedFile })).matches[0].job.state, 'FAILED', 'nothing moved');
    } finally {
      await vscode.workspace.getConfiguration('pacchettino').update('readOnly', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('a queue folder of the workspace is found by itself and added with one click', async () => {
    const found = path.join(workspaceDir(), 'found', 'inbox');
    fs.rmSync(found, { recursive: true, force: true });
    new Pacchettino(found);
    const offered = await vscode.commands.executeCommand<string[]>('pacchettino.lookForQueues', { notify: false });
    assert.ok(offered.includes(found), `offered: ${offered.join(', ')}`);
    assert.ok(!offered.includes(dir), 'a configured queue is not offered again');
    const added = await vscode.commands.executeCommand<string[]>('pacchettino.addFoundQueues');
    assert.ok(added.includes(found));
    const queues = vscode.workspace.getConfiguration('pacchettino').get<string[]>('queues') ?? [];
    assert.ok(queues.includes(path.join('found', 'inbox')), `settings: ${queues.join(', ')}`);
    assert.deepEqual(api.foundQueues(), []);
  });

  after(async () => {
    await useQueues(api, []);
  });
});
