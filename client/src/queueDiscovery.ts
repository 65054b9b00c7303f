// Queues found by themselves: the worker walks the workspace folders (bounded, off its
// request loop) for folders whose state folders say they are queues; the ones not yet
// configured and not dismissed are offered with one click to add or dismiss, in a
// notification and in the welcome view (context key pacchettino.foundQueues).
import * as vscode from 'vscode';
import { queueLabel } from './queueLabel';
import { addQueueSetting, configuredQueues } from './settings';
import type { WorkerClient } from './workerClient';

const DISMISSED_KEY = 'pacchettino.dismissedQueues';

export class QueueDiscovery {
  /** Found, not configured, not dismissed: what "Add Found Queues" adds. */
  offered: string[] = [];

  constructor(
    private readonly worker: WorkerClient,
    private readonly state: vscode.Memento,
  ) {}

  /** Looks again (workspace folders changed, worker ready); `notify` shows the offer as a notification. */
  async scan(notify = true): Promise<string[]> {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const { queues } = roots.length ? await this.worker.discoverQueues(roots) : { queues: [] };
    const configured = new Set(configuredQueues().map((q) => q.path));
    const dismissed = new Set(this.state.get<string[]>(DISMISSED_KEY, []));
    this.offered = queues.filter((q) => !configured.has(q) && !dismissed.has(q));
    await vscode.commands.executeCommand('setContext', 'pacchettino.foundQueues', this.offered.length > 0);
    if (notify && this.offered.length > 0) void this.offer();
    return this.offered;
  }

  private async offer(): Promise<void> {
    const names = this.offered.map((q) => queueLabel(q)).join(', ');
    const add = vscode.l10n.t('Add');
    const dismiss = vscode.l10n.t('Dismiss');
    const answer = await vscode.window.showInformationMessage(
      this.offered.length === 1
        ? vscode.l10n.t('Found a job queue in this workspace: {0}', names)
        : vscode.l10n.t('Found {0} job queues in this workspace: {1}', this.offered.length, names),
      add,
      dismiss,
    );
    if (answer === add) await this.addAll();
    else if (answer === dismiss) await this.dismissAll();
  }

  async addAll(): Promise<string[]> {
    const added = [...this.offered];
    for (const q of added) await addQueueSetting(q);
    this.offered = [];
    await vscode.commands.executeCommand('setContext', 'pacchettino.foundQueues', false);
    return added;
  }

  async dismissAll(): Promise<void> {
    await this.state.update(DISMISSED_KEY, [...new Set([...this.state.get<string[]>(DISMISSED_KEY, []), ...this.offered])]);
    this.offered = [];
    await vscode.commands.executeCommand('setContext', 'pacchettino.foundQueues', false);
  }
}
