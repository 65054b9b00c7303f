// Wires the extension together: the worker client, the Jobs view, commands,
// status bar and consumer tasks. UI only: every queue operation is a request
// to the worker (workerClient.ts).
import * as vscode from 'vscode';
import type { PacchettinoApi } from './api';
import { putCliOnPath } from './cliOnPath';
import { ConsumerTaskProvider, TASK_TYPE } from './consumerTasks';
import { enqueueFiles, enqueueSelection, type EnqueueGiven } from './enqueueCommands';
import { JobCommands } from './jobCommands';
import type { JobNode, JobsNode, MoreNode, QueueNode, StateNode } from './jobNodes';
import { JobsTree } from './jobsTree';
import { PayloadTabs } from './payloadTabs';
import { mutating, registerJobViewCommands } from './jobViewCommands';
import { addQueue } from './addQueueFolder';
import { openQueueSettings, removeFromView, revealQueue } from './queueNodeCommands';
import { configuredQueues, pageSize, SECTION, workerSettings } from './settings';
import { QueueStatusBar } from './statusBar';
import { WorkerClient } from './workerClient';
import { ConsumersView, type ConsumersViewNode } from './consumersView';
import { QueueControls } from './queueControls';
import { ThroughputPanels } from './throughputPanel';
import { registerWalkthrough } from './walkthrough';
import { pickQueue } from './queueFolders';

let worker: WorkerClient | undefined;

export function activate(context: vscode.ExtensionContext): PacchettinoApi {
  const started = performance.now();
  const output = vscode.window.createOutputChannel('Pacchettino', { log: true });
  const consumerOutput = vscode.window.createOutputChannel('Pacchettino Consumers', { log: true });
  const cli = context.asAbsolutePath('dist/cli.js');
  let cliDir: string | undefined;
  try {
    cliDir = putCliOnPath(context, cli);
  } catch (err) {
    output.warn(`Could not put the pacchettino command on the terminals' PATH: ${err instanceof Error ? err.message : String(err)}`);
  }
  worker = new WorkerClient(context.asAbsolutePath('dist/worker.js'), output, workerSettings);
  const w = worker;
  const workerReady = new Promise<void>((resolve) => {
    const once = w.onDidBecomeReady(() => {
      once.dispose();
      resolve();
    });
  });

  const tree = new JobsTree(w, () => configuredQueues().map((q) => q.path), pageSize);
  const treeView = vscode.window.createTreeView<JobsNode>('pacchettino.jobs', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  tree.attach(treeView);
  const consumers = new ConsumersView(w, () => configuredQueues().map((q) => q.path));
  const consumersView = vscode.window.createTreeView<ConsumersViewNode>('pacchettino.consumers', { treeDataProvider: consumers });
  consumers.attach(consumersView);
  const controls = new QueueControls(w);
  const throughput = new ThroughputPanels(w);
  const statusBar = new QueueStatusBar(w);
  const payloadTabs = new PayloadTabs(w);
  const jobs = new JobCommands(w, payloadTabs);
  const updateContext = () => vscode.commands.executeCommand('setContext', 'pacchettino.hasQueues', configuredQueues().length > 0);
  void updateContext();

  // Each command types the arguments its menus pass (VS Code hands them over untyped).
  const command = <A extends unknown[]>(id: string, fn: (...args: A) => unknown) => vscode.commands.registerCommand(id, fn);
  context.subscriptions.push(
    output,
    { dispose: () => void w.dispose() },
    tree,
    treeView,
    statusBar,
    payloadTabs,
    consumerOutput,
    vscode.tasks.registerTaskProvider(TASK_TYPE, new ConsumerTaskProvider(cli, consumerOutput, cliDir)),
    command(
      'pacchettino.enqueueActiveFile',
      // A program passes its answers third (EnqueueGiven); menus pass at most two arguments.
      mutating((clicked?: vscode.Uri, selected?: vscode.Uri[], given?: EnqueueGiven) =>
        enqueueFiles(
          w,
          clicked instanceof vscode.Uri ? clicked : undefined,
          Array.isArray(selected) ? selected : undefined,
          undefined,
          given && typeof given === 'object' ? given : {},
        ),
      ),
    ),
    command(
      'pacchettino.enqueueSelection',
      mutating((given?: unknown) => enqueueSelection(w, given)),
    ),
    // From the Explorer's menu the second argument is the selection (an array); a program passes options.
    command('pacchettino.addQueue', (target?: string | vscode.Uri, given?: unknown) =>
      addQueue(w, target, given && typeof given === 'object' && !Array.isArray(given) ? given : {}),
    ),
    command('pacchettino.removeQueue', (node: QueueNode) => removeFromView(node)),
    command('pacchettino.revealQueue', (node: QueueNode) => revealQueue(node)),
    command('pacchettino.openQueueSettings', (node: QueueNode) => openQueueSettings(node)),
    command('pacchettino.refresh', () => tree.refresh()),
    command('pacchettino.loadMore', (node: MoreNode) => tree.loadMore(node)),
    command('pacchettino.openPayload', (node: JobNode) => jobs.openPayload(node)),
    command('pacchettino.reveal', (node: JobNode) => jobs.reveal(node)),
    command('pacchettino.copyId', (node: JobNode) => jobs.copyId(node)),
    command(
      'pacchettino.cleanUp',
      mutating((node: StateNode, given?: { olderThanMs?: number; confirmed?: boolean }) => jobs.cleanUp(node, given)),
    ),
    command('pacchettino.showWorkerLog', () => output.show(true)),
    consumers,
    consumersView,
    command(
      'pacchettino.pauseQueue',
      mutating((node?: QueueNode) => controls.pause(node?.kind === 'queue' ? node : undefined)),
    ),
    command(
      'pacchettino.resumeQueue',
      mutating((node?: QueueNode) => controls.resume(node?.kind === 'queue' ? node : undefined)),
    ),
    throughput,
    ...registerWalkthrough(),
    command('pacchettino.showThroughput', async (node?: QueueNode) => {
      const queue = node?.kind === 'queue' ? node.path : await pickQueue(w, vscode.l10n.t('Show Throughput'));
      return queue ? throughput.show(queue) : undefined;
    }),
    command(
      'pacchettino.runNow',
      mutating((node: JobNode) => controls.runNow(node)),
    ),
    command(
      'pacchettino.reschedule',
      mutating((node: JobNode) => controls.reschedule(node)),
    ),
    command(
      'pacchettino.enqueueFileLater',
      mutating((clicked?: vscode.Uri, selected?: vscode.Uri[]) => controls.enqueueFileLater(clicked, selected)),
    ),
    command(
      'pacchettino.enqueueSelectionLater',
      mutating((given?: unknown) => controls.enqueueSelectionLater(given)),
    ),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      void updateContext();
      // The worker learns the new queues; its answer refreshes the tree and status bar.
      if (w.isRunning)
        w.configure().then(
          () => tree.refresh(),
          (err) => output.error('Reconfiguring the worker failed', err),
        );
    }),
    w.onDidBecomeReady((pid) => output.info(`Worker ready (pid ${pid}), watching ${workerSettings().queues.length} queue(s)`)),
  );

  const { discovery } = registerJobViewCommands(context, w, tree, output);

  // Not awaited: the view shows as soon as the worker answers, activation does not wait for it.
  w.start().catch((err) => output.error('The worker did not start', err));

  return {
    tree,
    treeView,
    consumers,
    onDidRenderChart: throughput.onDidRender,
    workerPid: () => w.pid,
    onDidWorkerStart: w.onDidBecomeReady,
    onDidChangeQueues: w.onDidChangeQueues,
    workerReady,
    statusText: () => statusBar.text,
    activationMs: performance.now() - started,
    foundQueues: () => discovery.offered,
    worker: w,
    logUri: context.logUri,
  };
}

export async function deactivate(): Promise<void> {
  await worker?.dispose();
  worker = undefined;
}
