// Which queue a command acts on: the QuickPick that asks when several queues are
// configured (and offers "Add Queue Folder…" when there is none).
import * as vscode from 'vscode';
import type { QueueSummary } from '@pacchettino/shared';
import { queueLabel } from './queueLabel';
import { addQueue } from './addQueueFolder';
import { configuredQueues } from './settings';
import type { WorkerClient } from './workerClient';

export interface QueuePickItem extends vscode.QuickPickItem {
  path: string;
  /** Why the queue cannot be used now (the worker's words); it is listed, under its own heading, so the user learns why. */
  error?: string;
}

/** Options a program (a test) passes instead of answering the pick. */
export interface QueuePickGiven {
  /** Chooses among the items the pick would show (separators left out). */
  choose?(items: readonly QueuePickItem[]): QueuePickItem | undefined;
}

/**
 * The queue to send to: the only one, or the user's pick; offers to add one when there is none.
 * Queues the worker cannot use are listed last, as such, with their error: picking one is
 * allowed, and the send's refusal then says what is wrong in our words.
 */
export async function pickQueue(worker: WorkerClient, purpose: string, given: QueuePickGiven = {}): Promise<string | undefined> {
  const queues = configuredQueues();
  if (queues.length === 1) return queues[0].path;
  if (queues.length === 0) {
    const add = vscode.l10n.t('Add Queue Folder…');
    const answer = await vscode.window.showInformationMessage(vscode.l10n.t('No Pacchettino queue is configured yet.'), add);
    return answer === add ? addQueue(worker) : undefined;
  }
  const items = queuePickItems(
    worker,
    queues.map((q) => q.path),
  );
  if (given.choose) return given.choose(items)?.path;
  const usable = items.filter((i) => !i.error);
  const broken = items.filter((i) => i.error);
  const heading: vscode.QuickPickItem = { label: vscode.l10n.t('Cannot be used now'), kind: vscode.QuickPickItemKind.Separator };
  const picked = await vscode.window.showQuickPick<vscode.QuickPickItem>(broken.length ? [...usable, heading, ...broken] : usable, {
    title: purpose,
    placeHolder: vscode.l10n.t('Which queue?'),
    matchOnDetail: true,
  });
  return (picked as QueuePickItem | undefined)?.path;
}

function queuePickItems(worker: WorkerClient, paths: readonly string[]): QueuePickItem[] {
  const summaries = new Map(worker.queues.map((s) => [s.path, s]));
  return paths.map((p) => {
    const summary = summaries.get(p);
    if (summary?.error) {
      return { label: `$(error) ${queueLabel(p)}`, description: vscode.l10n.t('cannot be used now'), detail: summary.error, path: p, error: summary.error };
    }
    return { label: queueLabel(p), description: countsText(summary), detail: p, path: p };
  });
}

function countsText(summary: QueueSummary | undefined): string {
  const c = summary?.counts;
  return c ? vscode.l10n.t('{0} queued · {1} processing · {2} failed', c.QUEUED, c.PROCESSING, c.FAILED) : '';
}
