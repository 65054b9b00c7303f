// The Jobs view's commands for finding, filtering, inspecting and bulk-changing jobs
// (issue 10), the details documents, queue discovery and read-only mode, registered in
// one place so extension.ts only wires them in.
import * as vscode from 'vscode';
import type { WireJobFilter } from '@pacchettino/shared';
import { BulkActions, type BulkAction } from './bulkActions';
import { findJob } from './findJob';
import { pickFilter, pickSort } from './jobFilter';
import { DETAILS_SCHEME, JobDetailsDocuments, showJobDetails } from './jobDetailsDocument';
import type { JobNode, StateNode } from './jobNodes';
import type { JobsTree } from './jobsTree';
import { QueueDiscovery } from './queueDiscovery';
import { readOnly, SECTION } from './settings';
import type { WorkerClient } from './workerClient';

/** Options a program (a test, another extension) passes instead of answering the dialogs. */
interface Given {
  confirmed?: boolean;
}

/**
 * Wraps a command that changes a queue: in read-only mode it refuses with a word (its menu
 * entries are hidden by `!pacchettino.readOnly`, but the palette or a keybinding may still
 * reach it), and the worker refuses such requests anyway.
 */
export function mutating<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
  return (...args: A) => {
    if (readOnly()) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Pacchettino is read-only here (the pacchettino.readOnly setting): nothing in a queue was changed.'));
      return undefined;
    }
    return fn(...args);
  };
}

export function registerJobViewCommands(
  context: vscode.ExtensionContext,
  worker: WorkerClient,
  tree: JobsTree,
  output: vscode.LogOutputChannel,
): { discovery: QueueDiscovery } {
  const bulk = new BulkActions(worker, output);
  const discovery = new QueueDiscovery(worker, context.workspaceState);
  const details = new JobDetailsDocuments(worker);
  const updateReadOnly = () => vscode.commands.executeCommand('setContext', 'pacchettino.readOnly', readOnly());
  void updateReadOnly();
  // The second argument of a tree menu command is the selection (an array); a program passes options instead.
  const givenOf = (x: unknown): Given => (x && typeof x === 'object' && !Array.isArray(x) ? x : {});
  const selectionOf = (x: unknown): readonly unknown[] | undefined => (Array.isArray(x) ? x : undefined);
  const onSelection = (action: BulkAction) => mutating((node: JobNode, selected?: unknown) => bulk.onSelection(action, node, selectionOf(selected)));
  const onMatching = (action: BulkAction) => mutating((node: StateNode, given?: unknown) => bulk.onMatching(action, node, givenOf(given)));
  const command = <A extends unknown[]>(id: string, fn: (...args: A) => unknown) => vscode.commands.registerCommand(id, fn);

  context.subscriptions.push(
    details,
    vscode.workspace.registerTextDocumentContentProvider(DETAILS_SCHEME, details),
    command('pacchettino.findJob', (text?: unknown, given?: { details?: boolean }) =>
      findJob(worker, tree, typeof text === 'string' ? text : undefined, given ?? {}),
    ),
    command('pacchettino.showDetails', (node: JobNode) => showJobDetails(node.parent.parent.path, node.job.id)),
    command('pacchettino.filter', async (node: StateNode, given?: WireJobFilter) => {
      const view = tree.views.get(node.parent.path, node.state);
      const filter = given ?? (await pickFilter(node, view));
      if (filter) {
        tree.views.set(node.parent.path, node.state, { ...view, filter });
        await tree.expand(node);
      }
      return filter;
    }),
    command('pacchettino.clearFilter', (node: StateNode) => tree.views.clearFilter(node.parent.path, node.state)),
    command('pacchettino.sort', async (node: StateNode, given?: { sort: 'sent' | 'finished' | 'name' | 'size'; order: 'asc' | 'desc' }) => {
      const view = tree.views.get(node.parent.path, node.state);
      const sort = given ?? (await pickSort(view));
      if (sort) {
        tree.views.set(node.parent.path, node.state, { ...view, ...sort });
        await tree.expand(node);
      }
      return sort;
    }),
    command('pacchettino.requeue', onSelection('requeue')),
    command('pacchettino.delete', onSelection('delete')),
    command('pacchettino.promote', onSelection('promote')),
    command('pacchettino.requeueAll', onMatching('requeue')),
    command('pacchettino.deleteAll', onMatching('delete')),
    command('pacchettino.promoteAll', onMatching('promote')),
    command('pacchettino.lookForQueues', (given?: { notify?: boolean }) => discovery.scan(given?.notify ?? true)),
    command('pacchettino.addFoundQueues', () => discovery.addAll()),
    command('pacchettino.dismissFoundQueues', () => discovery.dismissAll()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.readOnly`)) void updateReadOnly();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void discovery.scan().catch((err) => output.warn(`Looking for queues failed: ${String(err)}`))),
    worker.onDidBecomeReady(() => void discovery.scan().catch((err) => output.warn(`Looking for queues failed: ${String(err)}`))),
  );
  return { discovery };
}
