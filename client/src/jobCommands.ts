// What the Jobs tree's context menus do to a job or to every job of a state.
// Each asks the worker; the tree then updates from the worker's notification.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CountResult } from '@pacchettino/shared';
import { FailureDocuments } from './failureDocument';
import { stateLabel, type JobNode, type StateNode } from './jobNodes';
import { queueLabel } from './queueLabel';
import type { WorkerClient } from './workerClient';

export class JobCommands {
  constructor(private readonly worker: WorkerClient) {}

  /** Opens the payload where it is now (the job may have moved since the tree was drawn). */
  async openPayload(node: JobNode): Promise<void> {
    const where = await this.currentPath(node);
    if (where) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(where), { preview: true });
  }

  /** The job's record rendered as a markdown preview (its source when no markdown preview exists). */
  async showFailure(node: JobNode): Promise<vscode.TextDocument> {
    const uri = FailureDocuments.uriFor(node.parent.parent.path, node.job.id);
    const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), 'markdown');
    // The built-in markdown extension registers its command only once activated, which running it does.
    await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(doc, { preview: true }));
    return doc;
  }

  /** Failed or interrupted jobs back to queued/ (the tree's selection when several are selected). */
  async requeue(node: JobNode, selected?: JobNode[]): Promise<CountResult> {
    const result = await this.perQueue(jobsOf(node, selected), (queue, ids) => this.worker.requeue({ queue, ids }));
    report(result, 'requeued');
    return result;
  }

  async delete(node: JobNode, selected?: JobNode[]): Promise<CountResult | undefined> {
    const jobs = jobsOf(node, selected);
    const what = jobs.length === 1 ? `job ${jobs[0].job.originalName ?? jobs[0].job.id}` : `${jobs.length} jobs`;
    const ok = await vscode.window.showWarningMessage(`Delete ${what}? Its payload is removed from disk.`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return undefined;
    const result = await this.perQueue(jobs, (queue, ids) => this.worker.delete({ queue, ids }));
    report(result, 'deleted');
    return result;
  }

  /** In the Explorer when the payload is inside the workspace, else in the OS's file manager. */
  async reveal(node: JobNode): Promise<void> {
    const where = await this.currentPath(node);
    if (!where) return;
    const uri = vscode.Uri.file(where);
    if (vscode.workspace.getWorkspaceFolder(uri)) {
      await vscode.commands.executeCommand('revealInExplorer', uri);
    } else if (vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName) {
      await vscode.commands.executeCommand('revealFileInOS', uri);
    } else {
      // A browser has no file manager to show a remote path in: hand over the path instead.
      await vscode.env.clipboard.writeText(where);
      void vscode.window.showInformationMessage(`The payload is outside the workspace; its path was copied: ${where}`);
    }
  }

  async copyId(node: JobNode): Promise<string> {
    await vscode.env.clipboard.writeText(node.job.id);
    vscode.window.setStatusBarMessage(`$(clippy) Copied job id ${node.job.id}`, 3000);
    return node.job.id;
  }

  async requeueAll(node: StateNode): Promise<CountResult> {
    const result = await this.worker.requeue({ queue: node.parent.path, states: [node.state] });
    report(result, 'requeued');
    return result;
  }

  /** Deletes every job of a finished state, after a modal confirmation (there is no undo). */
  async cleanUp(node: StateNode): Promise<CountResult | undefined> {
    const label = stateLabel(node.state).toLowerCase();
    const ok = await vscode.window.showWarningMessage(
      `Delete all ${node.count} ${label} jobs of ${queueLabel(node.parent.path)}?`,
      { modal: true, detail: 'Their payloads and records are removed from disk.' },
      'Delete All',
    );
    if (ok !== 'Delete All') return undefined;
    const result = await this.worker.cleanup({ queue: node.parent.path, states: [node.state] });
    report(result, 'deleted');
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

  private async perQueue(jobs: JobNode[], act: (queue: string, ids: string[]) => Promise<CountResult>): Promise<CountResult> {
    const byQueue = new Map<string, string[]>();
    for (const j of jobs) byQueue.set(j.parent.parent.path, [...(byQueue.get(j.parent.parent.path) ?? []), j.job.id]);
    const total: CountResult = { count: 0, errors: [] };
    for (const [queue, ids] of byQueue) {
      const r = await act(queue, ids);
      total.count += r.count;
      total.errors.push(...r.errors);
    }
    return total;
  }
}

/** A menu on a multi-selection passes the clicked item and the selection; only jobs count. */
function jobsOf(node: JobNode, selected?: JobNode[]): JobNode[] {
  const all = selected?.length ? selected : [node];
  return all.filter((n) => n.kind === 'job');
}

function report(result: CountResult, verb: string): void {
  vscode.window.setStatusBarMessage(`$(check) ${result.count} job${result.count === 1 ? '' : 's'} ${verb}`, 3000);
  if (result.errors.length > 0) {
    void vscode.window.showWarningMessage(
      `Pacchettino: ${result.errors[0].item}: ${result.errors[0].message}` + (result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : ''),
    );
  }
}
