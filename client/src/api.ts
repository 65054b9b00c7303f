// What activate() returns: enough for the in-VS Code tests (and other extensions)
// to read the tree as the user sees it and to find the worker process.
import type * as vscode from 'vscode';
import type { QueueSummary } from '@pacchettino/shared';
import type { StateViews } from './jobFilter';
import type { JobsNode } from './jobNodes';
import type { ConsumersViewNode } from './consumersView';
import type { WorkerClient } from './workerClient';
import type { ChartRendered } from './throughputPanel';

export type { JobsNode, QueueNode, StateNode, JobNode, MoreNode } from './jobNodes';
export type { ConsumersViewNode, ConsumerNode, HeldJobNode, ConsumersQueueNode } from './consumersView';

export interface PacchettinoApi {
  /** The Jobs view's data: getChildren()/getTreeItem() give exactly what it shows. */
  readonly tree: vscode.TreeDataProvider<JobsNode> & { refresh(): void; readonly views: StateViews };
  readonly treeView: vscode.TreeView<JobsNode>;
  /** The Consumers view's data, read as the Jobs tree's is. */
  readonly consumers: vscode.TreeDataProvider<ConsumersViewNode> & { refresh(): void };
  /** Fires each time a throughput chart has been drawn in its webview, with what it drew. */
  readonly onDidRenderChart: vscode.Event<ChartRendered & { queue: string }>;
  /** The worker's pid while it runs. */
  workerPid(): number | undefined;
  /** Fires with the new pid each time a worker is up and configured (start, restarts). */
  readonly onDidWorkerStart: vscode.Event<number | undefined>;
  /** The worker's pushed queue summaries (what the status bar and the tree counts follow). */
  readonly onDidChangeQueues: vscode.Event<readonly QueueSummary[]>;
  /** Resolves once the first worker is up and configured. */
  readonly workerReady: Promise<void>;
  /** The status bar item's text, e.g. `$(inbox) 3 $(sync) 0 $(error) 1`. */
  statusText(): string;
  /** Milliseconds activate() took (worker start is not waited for). */
  readonly activationMs: number;
  /** Queues found in the workspace and offered (not configured, not dismissed). */
  foundQueues(): readonly string[];
  /** The extension's log folder (context.logUri): VS Code keeps each log output channel there as `<name>.log`. */
  readonly logUri: vscode.Uri;
  /** The worker's typed requests, for tests that send what the UI would refuse to (read-only mode). */
  readonly worker: Pick<WorkerClient, 'requeue' | 'job' | 'findJob'>;
}
