// Which queue a command acts on: the QuickPick that asks when several queues are
// configured (and offers "Add Queue Folder…" when there is none).
import * as vscode from 'vscode';
import type { QueueSummary } from '@pacchettino/shared';
import { queueLabel } from './queueLabel';
import { addQueue } from './addQueueFolder';
import { configuredQueues } from './settings';
import type { WorkerClient } from './workerClient';

/** The queue to send to: the only one, or the user's pick; offers to add one when there is none. */
export async function pickQueue(worker: WorkerClient, purpose: string): Promise<string | undefined> {
  const queues = configuredQueues();
  if (queues.length === 1) return queues[0].path;
  if (queues.length === 0) {
    const add = 'Add Queue Folder…';
    const answer = await vscode.window.showInformationMessage('No Pacchettino queue is configured yet.', add);
    return answer === add ? addQueue(worker) : undefined;
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
