// Requeue, delete or make due now: on the tree's selection, or on every job of a state
// that matches its filter. One confirmation for many; the ids go to the worker in chunks,
// so a notification shows progress and Cancel stops between chunks; the summary says what
// was done and, per item, what was refused (the refusals go to the output channel).
import * as vscode from 'vscode';
import type { CountResult, ItemError } from '@pacchettino/shared';
import { hasFilter } from './jobFilter';
import { stateAdjective, type JobNode, type StateNode } from './jobNodes';
import { queueLabel } from './queueLabel';
import type { WorkerClient } from './workerClient';

export type BulkAction = 'requeue' | 'delete' | 'promote';

export interface BulkSummary {
  action: BulkAction;
  asked: number;
  done: number;
  refused: ItemError[];
  cancelled: boolean;
}

/** Ids per request: small enough that the worker answers others between chunks, and Cancel is quick. */
export const CHUNK = 500;
/** Above this many, a requeue or a promote asks first too (a delete always asks: it has no undo). */
const CONFIRM_ABOVE = 100;

const VERB: Record<BulkAction, { title: string; done: string; button: string }> = {
  requeue: { title: vscode.l10n.t('Requeueing'), done: vscode.l10n.t('requeued'), button: vscode.l10n.t('Requeue') },
  delete: { title: vscode.l10n.t('Deleting'), done: vscode.l10n.t('deleted'), button: vscode.l10n.t('Delete') },
  promote: { title: vscode.l10n.t('Making due now'), done: vscode.l10n.t('made due now'), button: vscode.l10n.t('Run Now') },
};

export class BulkActions {
  constructor(
    private readonly worker: WorkerClient,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** On the clicked job, or the whole selection when the click was inside it. */
  async onSelection(action: BulkAction, node: JobNode, selected?: readonly unknown[]): Promise<BulkSummary | undefined> {
    const jobs = (selected?.length ? selected : [node]).filter((n): n is JobNode => (n as JobNode)?.kind === 'job');
    const byQueue = new Map<string, string[]>();
    for (const j of jobs) byQueue.set(j.parent.parent.path, [...(byQueue.get(j.parent.parent.path) ?? []), j.job.id]);
    const what = jobs.length === 1 ? vscode.l10n.t('job {0}', jobs[0].job.originalName ?? jobs[0].job.id) : vscode.l10n.t('{0} selected jobs', jobs.length);
    if (!(await this.confirm(action, jobs.length, what))) return undefined;
    return this.run(action, byQueue, what);
  }

  /** On every job of the state that its filter matches (all of them without a filter). */
  async onMatching(action: BulkAction, node: StateNode, opts: { confirmed?: boolean } = {}): Promise<BulkSummary | undefined> {
    const queue = node.parent.path;
    const filter = hasFilter(node.view) ? node.view.filter : undefined;
    const { ids } = await this.worker.matchingIds({ queue, state: node.state, filter });
    if (ids.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No {0} job matches.', stateAdjective(node.state)));
      return { action, asked: 0, done: 0, refused: [], cancelled: false };
    }
    const n = ids.length.toLocaleString('en-US');
    const state = stateAdjective(node.state);
    // One message per plural form (vscode.l10n has no plural rules): each language words its own.
    const what =
      ids.length === 1
        ? filter
          ? vscode.l10n.t('the one {0} job matching the filter in {1}', state, queueLabel(queue))
          : vscode.l10n.t('the one {0} job in {1}', state, queueLabel(queue))
        : filter
          ? vscode.l10n.t('{0} {1} jobs matching the filter in {2}', n, state, queueLabel(queue))
          : vscode.l10n.t('all {0} {1} jobs in {2}', n, state, queueLabel(queue));
    if (!opts.confirmed && !(await this.confirm(action, ids.length, what))) return undefined;
    return this.run(action, new Map([[queue, ids]]), what);
  }

  private async confirm(action: BulkAction, n: number, what: string): Promise<boolean> {
    if (action !== 'delete' && n <= CONFIRM_ABOVE) return true;
    const detail =
      action === 'delete'
        ? n === 1
          ? vscode.l10n.t('Its payload and record are removed from disk; there is no undo.')
          : vscode.l10n.t('Their payloads and records are removed from disk; there is no undo.')
        : undefined;
    const ok = await vscode.window.showWarningMessage(vscode.l10n.t('{0} {1}?', VERB[action].button, what), { modal: true, detail }, VERB[action].button);
    return ok === VERB[action].button;
  }

  private async run(action: BulkAction, byQueue: Map<string, string[]>, what: string): Promise<BulkSummary> {
    const asked = [...byQueue.values()].reduce((n, ids) => n + ids.length, 0);
    const summary: BulkSummary = { action, asked, done: 0, refused: [], cancelled: false };
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${VERB[action].title} ${what}`, cancellable: true },
      async (progress, token) => {
        for (const [queue, ids] of byQueue) {
          for (let i = 0; i < ids.length; i += CHUNK) {
            if (token.isCancellationRequested) {
              summary.cancelled = true;
              return;
            }
            const chunk = ids.slice(i, i + CHUNK);
            const r = await this.send(action, queue, chunk);
            summary.done += r.count;
            summary.refused.push(...r.errors);
            progress.report({ increment: (chunk.length / asked) * 100, message: `${summary.done.toLocaleString('en-US')} / ${asked.toLocaleString('en-US')}` });
          }
        }
      },
    );
    this.report(summary);
    return summary;
  }

  private send(action: BulkAction, queue: string, ids: string[]): Promise<CountResult> {
    if (action === 'requeue') return this.worker.requeue({ queue, ids });
    if (action === 'delete') return this.worker.delete({ queue, ids });
    return this.worker.promote({ queue, ids });
  }

  private report(s: BulkSummary): void {
    const verb = VERB[s.action].done;
    this.output.info(`${s.action}: ${s.done} of ${s.asked} ${verb}${s.cancelled ? ' (cancelled)' : ''}, ${s.refused.length} refused`);
    for (const r of s.refused) this.output.warn(`  refused ${r.item}: ${r.message}`);
    const head =
      s.asked === 1
        ? vscode.l10n.t('{0} of 1 job {1}', s.done, verb)
        : vscode.l10n.t('{0} of {1} jobs {2}', s.done.toLocaleString('en-US'), s.asked.toLocaleString('en-US'), verb);
    const tail = [s.cancelled ? vscode.l10n.t('cancelled') : '', s.refused.length ? vscode.l10n.t('{0} refused', s.refused.length) : '']
      .filter(Boolean)
      .join(', ');
    if (s.refused.length === 0 && !s.cancelled) {
      vscode.window.setStatusBarMessage(`$(check) ${head}`, 5000);
      return;
    }
    // The reason first: a long one must not be cut off behind the counts.
    const first = s.refused[0] ? `${s.refused[0].message} (${s.refused[0].item})` : '';
    const show = vscode.l10n.t('Show All');
    void vscode.window.showWarningMessage([first, `${head}${tail ? ` — ${tail}` : ''}`].filter(Boolean).join(' · '), show).then((b) => {
      if (b === show) this.output.show(true);
    });
  }
}
