// Payload tabs that follow their job. A payload opened from the tree is a file inside a state
// folder; a requeue (or a consumer, a retry) moves it to another, and the tab would show a
// deleted file. So each tab opened by "Open Payload" is remembered with its job, and when the
// worker says the job's queue changed, a tab whose job now lives elsewhere is closed and
// reopened at the new path, in the same group, with a word in the status bar. A tab with
// unsaved edits is left where it is (closing it would ask about them): only the word is said.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { QueueSummary } from '@pacchettino/shared';
import { stateLabel } from './jobNodes';
import type { WorkerClient } from './workerClient';

interface Followed {
  queue: string;
  id: string;
  /** Where the payload was when the tab last showed it. */
  path: string;
}

export class PayloadTabs implements vscode.Disposable {
  private readonly followed = new Map<string, Followed>();
  private readonly subscriptions: vscode.Disposable[];
  /** Pushes arrive in bursts; one look at a time, and one more if another push came meanwhile. */
  private looking?: Promise<void>;
  private again = false;

  constructor(private readonly worker: WorkerClient) {
    this.subscriptions = [
      worker.onDidChangeQueues((queues) => this.onChanged(queues)),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          const uri = uriOf(tab);
          if (uri && !tabsAt(uri.fsPath).length) this.followed.delete(uri.fsPath);
        }
      }),
    ];
  }

  /** Remembers a tab opened on a job's payload. */
  follow(queue: string, id: string, payloadPath: string): void {
    this.followed.set(path.resolve(payloadPath), { queue, id, path: path.resolve(payloadPath) });
  }

  private onChanged(queues: readonly QueueSummary[]): void {
    const changed = new Set(queues.map((q) => q.path));
    if (![...this.followed.values()].some((f) => changed.has(f.queue))) return;
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = (async () => {
      do {
        this.again = false;
        await this.lookAll();
      } while (this.again);
    })().finally(() => {
      this.looking = undefined;
    });
  }

  private async lookAll(): Promise<void> {
    for (const f of [...this.followed.values()]) {
      const job = await this.worker.job({ queue: f.queue, id: f.id }).catch(() => undefined);
      if (job === undefined) continue; // the worker is restarting: look at the next push
      const now = job ? path.resolve(job.path) : undefined;
      if (now === f.path) continue;
      this.followed.delete(f.path);
      if (!job || !now) {
        vscode.window.setStatusBarMessage(
          `$(trash) ${vscode.l10n.t('Job {0} left its queue (deleted or cleaned up): its payload tab shows a file that is gone.', f.id)}`,
          8000,
        );
        continue;
      }
      await this.reopen(f.path, now);
      this.followed.set(now, { ...f, path: now });
      vscode.window.setStatusBarMessage(
        `$(arrow-right) ${vscode.l10n.t('Job {0} moved to {1}: its payload tab follows it.', f.id, stateLabel(job.state))}`,
        8000,
      );
    }
  }

  private async reopen(from: string, to: string): Promise<void> {
    for (const tab of tabsAt(from)) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === from);
      if (doc?.isDirty) continue;
      const options: vscode.TextDocumentShowOptions = { viewColumn: tab.group.viewColumn, preview: tab.isPreview, preserveFocus: !tab.isActive };
      await vscode.window.tabGroups.close(tab, true).then(undefined, () => undefined); // already closed by the user meanwhile
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(to), options);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

function uriOf(tab: vscode.Tab): vscode.Uri | undefined {
  const input = tab.input as { uri?: unknown } | undefined;
  return input?.uri instanceof vscode.Uri ? input.uri : undefined;
}

function tabsAt(fsPath: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => uriOf(t)?.fsPath === fsPath);
}
