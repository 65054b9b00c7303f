// Which queue a command acts on: "Add Queue Folder…" and the QuickPick that asks
// when several queues are configured.
import * as vscode from 'vscode';
import type { QueueSummary } from '@pacchettino/shared';
import { queueLabel } from './queueLabel';
import { addQueueSetting, configuredQueues } from './settings';
import type { WorkerClient } from './workerClient';

/**
 * Adds a queue folder to the settings; asks with a folder dialog when not given
 * one (the welcome view's button). Resolves the absolute path, or undefined.
 */
export async function addQueue(target?: string | vscode.Uri): Promise<string | undefined> {
  let folder = typeof target === 'string' ? target : target?.fsPath;
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Add Queue Folder',
      openLabel: 'Use as Queue',
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    folder = picked?.[0]?.fsPath;
  }
  if (!folder) return undefined;
  // The worker creates the state folders when it is configured with the new path.
  await addQueueSetting(folder);
  return configuredQueues().find((q) => q.path === vscode.Uri.file(folder).fsPath)?.path ?? folder;
}

/** The queue to send to: the only one, or the user's pick; offers to add one when there is none. */
export async function pickQueue(worker: WorkerClient, purpose: string): Promise<string | undefined> {
  const queues = configuredQueues();
  if (queues.length === 1) return queues[0].path;
  if (queues.length === 0) {
    const add = 'Add Queue Folder…';
    const answer = await vscode.window.showInformationMessage('No Pacchettino queue is configured yet.', add);
    return answer === add ? addQueue() : undefined;
  }
  const summaries = new Map(worker.queues.map((s) => [s.path, s]));
  const picked = await vscode.window.showQuickPick(
    queues.map((q) => ({ label: queueLabel(q.path), description: countsText(summaries.get(q.path)), detail: q.path, path: q.path })),
    { title: purpose, placeHolder: 'Which queue?', matchOnDetail: true },
  );
  return picked?.path;
}

function countsText(summary: QueueSummary | undefined): string {
  if (!summary) return '';
  if (summary.error) return summary.error;
  const c = summary.counts;
  return c ? `${c.QUEUED} queued · ${c.PROCESSING} processing · ${c.FAILED} failed` : '';
}
