// Live control of queues and waiting jobs: pause and resume a queue, run a scheduled job
// now, move its due time, enqueue with a delay. Each asks the worker; views follow its push.
import * as vscode from 'vscode';
import { PauseRequest, RescheduleRequest, type QueueSummary } from '@pacchettino/shared';
import { pickDelay } from './delayPick';
import { enqueueFiles, enqueueSelection, type EnqueueOutcome } from './enqueueCommands';
import type { JobNode, QueueNode } from './jobNodes';
import { queueLabel } from './queueLabel';
import { pickQueue } from './queueFolders';
import type { WorkerClient } from './workerClient';

export class QueueControls {
  constructor(private readonly worker: WorkerClient) {}

  /** From the queue's inline button, or the palette (which asks which queue). */
  async pause(node?: QueueNode): Promise<QueueSummary | undefined> {
    return this.setPaused(node, true);
  }

  async resume(node?: QueueNode): Promise<QueueSummary | undefined> {
    return this.setPaused(node, false);
  }

  /** A scheduled job (a delayed send, a retry waiting out its backoff) due now; its attempts are kept. */
  async runNow(node: JobNode): Promise<void> {
    await this.worker.request(RescheduleRequest.type, { queue: node.parent.parent.path, id: node.job.id, dueAt: Date.now() });
    vscode.window.setStatusBarMessage(`$(run) ${vscode.l10n.t('Job {0} queued to run now', node.job.originalName ?? node.job.id.slice(0, 13))}`, 3000);
  }

  async reschedule(node: JobNode): Promise<number | undefined> {
    const delay = await pickDelay(vscode.l10n.t('Reschedule {0}', node.job.originalName ?? node.job.id.slice(0, 13)));
    if (delay === undefined) return undefined;
    const { dueAt } = await this.worker.request(RescheduleRequest.type, { queue: node.parent.parent.path, id: node.job.id, dueAt: Date.now() + delay });
    vscode.window.setStatusBarMessage(`$(watch) ${vscode.l10n.t('Due {0}', new Date(dueAt).toISOString())}`, 3000);
    return dueAt;
  }

  enqueueFileLater(clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<EnqueueOutcome | undefined> {
    return enqueueFiles(this.worker, clicked instanceof vscode.Uri ? clicked : undefined, Array.isArray(selected) ? selected : undefined, () =>
      pickDelay(vscode.l10n.t('Enqueue Later')),
    );
  }

  enqueueSelectionLater(given?: unknown): Promise<EnqueueOutcome | undefined> {
    return enqueueSelection(this.worker, given, () => pickDelay(vscode.l10n.t('Enqueue Later')));
  }

  private async setPaused(node: QueueNode | undefined, paused: boolean): Promise<QueueSummary | undefined> {
    const queue = node?.path ?? (await pickQueue(this.worker, paused ? vscode.l10n.t('Pause Queue') : vscode.l10n.t('Resume Queue')));
    if (!queue) return undefined;
    const summary = await this.worker.request(PauseRequest.type, { queue, paused });
    this.worker.update(summary);
    vscode.window.setStatusBarMessage(
      paused ? `$(debug-pause) ${vscode.l10n.t('Paused {0}', queueLabel(queue))}` : `$(debug-start) ${vscode.l10n.t('Resumed {0}', queueLabel(queue))}`,
      3000,
    );
    return summary;
  }
}
