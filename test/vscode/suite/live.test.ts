/// <reference types="mocha" />
// Live operations in the real VS Code: pause and resume from the command, a handler's
// progress on its tree item, who is consuming in the Consumers view, run-now of a job
// scheduled an hour ahead.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConsumerNode, ConsumersViewNode, HeldJobNode, PacchettinoApi } from '../../../client/src/api';
import { fillQueue } from '../fixtures/queues';
import {
  EXTENSION_ID,
  counts,
  extensionApi,
  freshQueueDir,
  jobShownIn,
  nextEvent,
  queueNode,
  showJobsView,
  treeItem,
  until,
  useQueues,
  workspaceDir,
} from './extensionUnderTest';
import { defineTasks, fetchTask, startTask, type TaskRun } from './taskRuns';

const QUEUES = ['live-pause', 'live-progress', 'live-shell', 'live-chart'] as const;
const rel = (q: string) => `queues/${q}`;

function cliPath(): string {
  return path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
}

/** The bundled CLI run as a user would from a shell (the extension host's node, as plain node). */
function cli(args: string[]): string {
  return execFileSync(process.execPath, [cliPath(), ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' });
}

async function consumersOf(api: PacchettinoApi, queue: string): Promise<ConsumerNode[]> {
  const roots = (await api.consumers.getChildren()) as ConsumersViewNode[];
  const q = roots.find((r) => r.kind === 'consumersQueue' && r.path === queue);
  if (!q) return [];
  return ((await api.consumers.getChildren(q)) ?? []) as ConsumerNode[];
}

describe('Live operations', () => {
  let api: PacchettinoApi;
  const dirs: Record<string, string> = {};
  const runs: TaskRun[] = [];
  const shells: ChildProcess[] = [];

  before(async () => {
    api = await extensionApi();
    for (const q of QUEUES) dirs[q] = freshQueueDir(q);
    await useQueues(api, QUEUES.map(rel));
    await showJobsView(api);
    const progressScript = path.join(workspaceDir(), 'progress-steps.sh');
    // Reports 10, 50, 90 and waits at each for the test's go-ahead file.
    fs.writeFileSync(
      progressScript,
      `for p in 10 50 90; do
  echo "$p step $p" >> "$PACCHETTINO_PROGRESS_FILE"
  while [ ! -e "${dirs['live-progress']}.go-$p" ]; do sleep 0.05; done
done`,
    );
    await defineTasks([
      { label: 'live pause consumer', type: 'pacchettino', queue: rel('live-pause'), command: 'exit 0' },
      { label: 'live progress consumer', type: 'pacchettino', queue: rel('live-progress'), command: `sh ${progressScript}` },
    ]);
  });

  after(() => {
    for (const r of runs) r.execution.terminate();
    for (const s of shells) s.kill('SIGKILL');
  });

  it('Pause Queue: no job is claimed while jobs wait for 3 s, the queue shows paused; Resume drains them', async () => {
    const queue = dirs['live-pause'];
    const run = await startTask(await fetchTask('live pause consumer'));
    runs.push(run);
    await until(api, 'the task consumer to register', async () => ((await consumersOf(api, queue)).length === 1 ? true : undefined));
    const node = await queueNode(api, queue);
    await vscode.commands.executeCommand('pacchettino.pauseQueue', node);
    const paused = await until(api, 'the queue to show paused', async () => {
      const q = await queueNode(api, queue);
      return q && treeItem(api, q).contextValue === 'queue.paused' ? treeItem(api, q) : undefined;
    });
    assert.match(String(paused.description), /paused/);
    await fillQueue(queue, { queued: 3 });
    await until(api, 'three queued', async () => ((await counts(api, queue)).QUEUED === 3 ? true : undefined));
    // An observation window: nothing may be claimed in it.
    await new Promise((r) => setTimeout(r, 3000));
    const during = await counts(api, queue);
    assert.equal(during.QUEUED, 3);
    assert.equal(during.SUCCESS, 0);

    await vscode.commands.executeCommand('pacchettino.resumeQueue', await queueNode(api, queue));
    await until(api, 'the jobs to be drained', async () => ((await counts(api, queue)).SUCCESS === 3 ? true : undefined));
    assert.equal(treeItem(api, (await queueNode(api, queue))!).contextValue, 'queue');
  });

  it('Run Now on a job scheduled an hour ahead: the consumer handles it', async () => {
    const queue = dirs['live-pause'];
    const id = cli(['send', queue, '--data', 'later', '--delay', '1h']).trim().split('\n').pop()!;
    const scheduled = await jobShownIn(api, queue, 'SCHEDULED', id);
    const tooltip = treeItem(api, scheduled).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value, /Due in (60 minutes|1 hour)/);
    await vscode.commands.executeCommand('pacchettino.runNow', scheduled);
    await jobShownIn(api, queue, 'SUCCESS', id);
  });

  it("a handler's progress (10%, 50%, 90%) shows on its tree item; the Consumers view lists the task with its job", async () => {
    const queue = dirs['live-progress'];
    const [id] = await fillQueue(queue, { queued: 1 });
    const run = await startTask(await fetchTask('live progress consumer'));
    runs.push(run);
    for (const p of [10, 50, 90]) {
      const job = await jobShownIn(api, queue, 'PROCESSING', id, { where: (j) => String(treeItem(api, j).description).includes(`${p}% · step ${p}`) });
      assert.match(String(treeItem(api, job).description), new RegExp(`^${p}% · step ${p}`));
      if (p === 10) {
        const [consumer] = await consumersOf(api, queue);
        assert.equal(consumer.consumer.pid, job.job.ownerPid, "the consumer listed is the task's, which holds the job");
        assert.equal(consumer.consumer.registered, true);
        const held = (await api.consumers.getChildren(consumer)) as HeldJobNode[];
        assert.deepEqual(
          held.map((h) => h.job.id),
          [id],
        );
      }
      fs.writeFileSync(`${queue}.go-${p}`, '');
    }
    await jobShownIn(api, queue, 'SUCCESS', id);
  });

  it('a consumer started from a shell shows in the Consumers view within 2 s, with the job in hand', async () => {
    const queue = dirs['live-shell'];
    const [id] = await fillQueue(queue, { queued: 1 });
    const shell = spawn(process.execPath, [cliPath(), 'consume', queue, '--', 'sh', '-c', 'sleep 30'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: 'ignore',
    });
    shells.push(shell);
    const started = Date.now();
    const consumer = await until(
      api,
      'the shell consumer with its job',
      async () => (await consumersOf(api, queue)).find((c) => c.consumer.pid === shell.pid && c.consumer.jobs.some((j) => j.id === id)),
      2000,
    );
    console.log(`[measure] shell consumer shown after ${Date.now() - started} ms`);
    assert.match(String((api.consumers.getTreeItem(consumer) as vscode.TreeItem).description), /1 job/);
    shell.kill('SIGKILL');
  });

  it('Show Throughput: the chart webview draws the history of 200 finished jobs', async () => {
    const queue = dirs['live-chart'];
    await fillQueue(queue, { success: 150, failed: 50, queued: 5 });
    const rendered = nextEvent(api.onDidRenderChart, 'the chart with 200 jobs', (r) => r.queue === queue && r.success === 150 && r.failed === 50);
    await vscode.commands.executeCommand('pacchettino.showThroughput', await queueNode(api, queue));
    const drawn = await rendered;
    assert.equal(drawn.window, 'hour');
    assert.ok(drawn.bars >= 2, `${drawn.bars} bars`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('the first-run walkthrough: 5 steps with completion events, and it opens', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const [walk] = (ext.packageJSON as { contributes: { walkthroughs: { id: string; steps: { id: string; completionEvents: string[] }[] }[] } }).contributes
      .walkthroughs;
    assert.deepEqual(
      walk.steps.map((s) => s.id),
      ['addQueue', 'enqueue', 'consume', 'why', 'live'],
    );
    for (const step of walk.steps) assert.ok(step.completionEvents.length > 0, `${step.id} completes on something`);
    const isWalkthrough = (t: vscode.Tab) => /welcome|pacchettino|get started/i.test(t.label);
    const opened = nextEvent(vscode.window.tabGroups.onDidChangeTabs, 'the walkthrough tab', (e) => e.opened.some(isWalkthrough), 15_000);
    await vscode.commands.executeCommand('pacchettino.openWalkthrough');
    const tab = (await opened).opened.find(isWalkthrough)!;
    console.log(`[measure] walkthrough opened as tab "${tab.label}"`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('every %key% of the manifest has an English and an Italian text; the Italian bundle translates the views', () => {
    const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(root, f), 'utf8')) as Record<string, string>;
    const keys = [...fs.readFileSync(path.join(root, 'package.json'), 'utf8').matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
    assert.ok(keys.length >= 10, `${keys.length} keys`);
    const en = read('package.nls.json');
    const it = read('package.nls.it.json');
    for (const k of keys) {
      assert.ok(en[k], `package.nls.json has ${k}`);
      assert.ok(it[k], `package.nls.it.json has ${k}`);
    }
    assert.equal(it['view.jobs'], 'Lavori');
    assert.equal(it['command.pauseQueue'], 'Metti in pausa la coda');
    assert.equal(read('l10n/bundle.l10n.it.json')['no consumer'], 'nessun consumatore');
  });

  it('every string the client passes to vscode.l10n.t has an Italian text', () => {
    const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const italian = JSON.parse(fs.readFileSync(path.join(root, 'l10n', 'bundle.l10n.it.json'), 'utf8')) as Record<string, string>;
    const src = path.join(root, 'client', 'src');
    // The literal first argument, or the message of the object form; its escapes read as JSON's.
    const call = /l10n\.t\(\s*(?:\{\s*message:\s*)?(['"])((?:\\.|(?!\1).)*)\1/gs;
    const missing: string[] = [];
    let seen = 0;
    for (const f of fs.readdirSync(src).filter((n) => n.endsWith('.ts'))) {
      for (const m of fs.readFileSync(path.join(src, f), 'utf8').matchAll(call)) {
        seen++;
        const body = m[1] === "'" ? m[2].replace(/\\'/g, "'").replace(/"/g, '\\"') : m[2];
        const text = JSON.parse(`"${body}"`) as string;
        if (!(text in italian)) missing.push(`${f}: ${text}`);
      }
    }
    assert.ok(seen >= 100, `${seen} calls found`);
    assert.deepEqual(missing, [], 'l10n/bundle.l10n.it.json lacks these');
  });
});
