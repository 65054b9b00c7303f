// Queued / processing / failed counts over all queues, from the worker's pushes.
import * as vscode from 'vscode';
import type { QueueSummary } from '@pacchettino/shared';
import { queueLabel } from './queueLabel';
import type { WorkerClient } from './workerClient';

export class QueueStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pacchettino.counts', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(worker: WorkerClient) {
    this.item.name = 'Pacchettino Jobs';
    this.item.command = 'pacchettino.jobs.focus';
    this.subscription = worker.onDidChangeQueues((queues) => this.show(queues));
    this.show(worker.queues);
  }

  /** The text as shown, for tests and screenshots. */
  get text(): string {
    return this.item.text;
  }

  private show(queues: readonly QueueSummary[]): void {
    if (queues.length === 0) {
      this.item.hide();
      return;
    }
    let queued = 0,
      processing = 0,
      failed = 0;
    for (const q of queues) {
      queued += q.counts?.QUEUED ?? 0;
      processing += q.counts?.PROCESSING ?? 0;
      failed += q.counts?.FAILED ?? 0;
    }
    const broken = queues.some((q) => q.error);
    this.item.text = `$(inbox) ${queued} $(sync${processing ? '~spin' : ''}) ${processing} $(error) ${failed}${broken ? ' $(warning)' : ''}`;
    this.item.backgroundColor = failed > 0 || broken ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const md = new vscode.MarkdownString('**Pacchettino** — queued · processing · failed\n\n', true);
    for (const q of queues) {
      const c = q.counts;
      md.appendMarkdown(`- ${queueLabel(q.path)}: ${q.error ? `$(warning) ${q.error}` : `${c?.QUEUED ?? 0} · ${c?.PROCESSING ?? 0} · ${c?.FAILED ?? 0}`}\n`);
    }
    this.item.tooltip = md;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
