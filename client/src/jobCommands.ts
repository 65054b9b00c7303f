// What the Jobs tree's context menus do to a job or to every job of a state.
// Each asks the worker; the tree then updates from the worker's notification.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CountResult } from '@pacchettino/shared';
import { AGES } from './jobFilter';
import { stateAdjective, type JobNode, type StateNode } from './jobNodes';
import type { PayloadTabs } from './payloadTabs';
import { queueLabel } from './queueLabel';
import { revealPath } from './revealPath';
import type { WorkerClient } from './workerClient';

export class JobCommands {
  constructor(
    private readonly worker: WorkerClient,
    private readonly tabs: PayloadTabs,
  ) {}

  /** Opens the payload where it is now (the job may have moved since the tree was drawn); the tab then follows the job. */
  async openPayload(node: JobNode): Promise<void> {
    const where = await this.currentPath(node);
    if (!where) return;
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(where), { preview: true });
    this.tabs.follow(node.parent.parent.path, node.job.id, where);
  }

  /** In the Explorer when the payload is inside the workspace, else in the OS's file manager. */
  async reveal(node: JobNode): Promise<void> {
    const where = await this.currentPath(node);
    if (where) await revealPath(where, vscode.l10n.t('The payload'));
  }

  async copyId(node: JobNode): Promise<string> {
    await vscode.env.clipboard.writeText(node.job.id);
    vscode.window.setStatusBarMessage(`$(clippy) Copied job id ${node.job.id}`, 3000);
    return node.job.id;
  }

  /** Deletes the finished jobs of a state older than an age picked from common ones, after one confirmation. */
  async cleanUp(node: StateNode, given?: { olderThanMs?: number; confirmed?: boolean }): Promise<CountResult | undefined> {
    const label = stateAdjective(node.state);
    let olderThanMs = given?.olderThanMs;
    if (olderThanMs === undefined) {
      const picked = await vscode.window.showQuickPick(
        [{ label: vscode.l10n.t('All of them'), ms: 0 }, ...AGES.map((a) => ({ label: vscode.l10n.t('Finished more than {0} ago', a.label), ms: a.ms }))],
        { title: vscode.l10n.t('Clean up {0} jobs of {1}', label, queueLabel(node.parent.path)) },
      );
      if (!picked) return undefined;
      olderThanMs = picked.ms;
    }
    if (!given?.confirmed) {
      const what = olderThanMs
        ? vscode.l10n.t(
            'Delete the {0} jobs of {1} that finished more than {2} ago?',
            label,
            queueLabel(node.parent.path),
            AGES.find((a) => a.ms === olderThanMs)?.label ?? vscode.l10n.t('{0} hours', (olderThanMs / 3_600_000).toFixed(1)),
          )
        : node.count === 1
          ? vscode.l10n.t('Delete the one {0} job of {1}?', label, queueLabel(node.parent.path))
          : vscode.l10n.t('Delete all {0} {1} jobs of {2}?', node.count.toLocaleString('en-US'), label, queueLabel(node.parent.path));
      const button = vscode.l10n.t('Delete');
      // An age may match one job or many: the plural says it of each.
      const detail =
        !olderThanMs && node.count === 1
          ? vscode.l10n.t('Its payload and record are removed from disk; there is no undo.')
          : vscode.l10n.t('Their payloads and records are removed from disk; there is no undo.');
      const ok = await vscode.window.showWarningMessage(what, { modal: true, detail }, button);
      if (ok !== button) return undefined;
    }
    const result = await this.worker.cleanup({ queue: node.parent.path, states: [node.state], olderThanMs });
    report(result, vscode.l10n.t('deleted'));
    return result;
  }

  private async currentPath(node: JobNode): Promise<string | undefined> {
    const job = await this.worker.job({ queue: node.parent.parent.path, id: node.job.id });
    if (!job) {
      void vscode.window.showWarningMessage(`Job ${node.job.id} is no longer in ${queueLabel(node.parent.parent.path)}.`);
      return undefined;
    }
    return path.resolve(job.path);
  }
}

function report(result: CountResult, verb: string): void {
  vscode.window.setStatusBarMessage(
    `$(check) ${result.count === 1 ? vscode.l10n.t('1 job {0}', verb) : vscode.l10n.t('{0} jobs {1}', result.count, verb)}`,
    3000,
  );
  if (result.errors.length > 0) {
    // The reason first, the item after: a long one must not push the reason out of the toast.
    const [first] = result.errors;
    const more = result.errors.length > 1 ? vscode.l10n.t(' (and {0} more)', result.errors.length - 1) : '';
    void vscode.window.showWarningMessage(vscode.l10n.t('{0} ({1}){2}', first.message, first.item, more));
  }
}
