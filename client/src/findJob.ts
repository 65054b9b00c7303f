// "Find Job…": takes a full id, an 8+ character prefix, a job name, a sent file's name or
// a pasted path, asks the worker to look in every queue (the core's resolver, by lookup
// where a name can be looked up), then reveals and selects the job in the tree and opens
// its details.
import * as vscode from 'vscode';
import type { WireJob } from '@pacchettino/shared';
import { showJobDetails } from './jobDetailsDocument';
import { stateLabel, type JobNode } from './jobNodes';
import type { JobsTree } from './jobsTree';
import { queueLabel } from './queueLabel';
import type { WorkerClient } from './workerClient';

export interface FoundJob {
  queue: string;
  job: WireJob;
  node?: JobNode;
}

/** `text` given (tests, other extensions, a pasted argument) skips the input box. */
export async function findJob(worker: WorkerClient, tree: JobsTree, text?: string, opts: { details?: boolean } = {}): Promise<FoundJob | undefined> {
  const asked =
    text ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Find Job'),
      prompt: vscode.l10n.t("A job's id, the first 8 or more characters of it, its job name, the sent file's name, or a path into a queue folder"),
      placeHolder: '0192f5c3-…, 0192f5c3, report.pdf, ~/jobs/failed/raw-…',
      validateInput: (v) => (v.trim() === '' ? vscode.l10n.t('Type or paste something to find') : undefined),
    }));
  if (asked === undefined || asked.trim() === '') return undefined;
  const result = await worker.findJob({ text: asked.trim() });
  let pick = result.matches[0];
  if (result.matches.length > 1) {
    const chosen = await vscode.window.showQuickPick(
      result.matches.map((m) => ({
        label: m.job.originalName ?? m.job.id,
        description: `${stateLabel(m.job.state)} · ${queueLabel(m.queue)}`,
        detail: m.job.id,
        m,
      })),
      { title: vscode.l10n.t('{0} jobs match {1}', result.matches.length, asked.trim()) },
    );
    if (!chosen) return undefined;
    pick = chosen.m;
  }
  if (!pick) {
    // Ambiguous prefixes and unreadable queues say so, in the queue's words; else: not found anywhere.
    const why = result.refusals.map((r) => `${queueLabel(r.item)}: ${r.message}`).join('; ');
    void vscode.window.showWarningMessage(why || vscode.l10n.t('No job matches {0} in any queue.', asked.trim()));
    return undefined;
  }
  const node = await tree.revealJob(pick.queue, pick.job.state, pick.job.id);
  if (opts.details !== false) await showJobDetails(pick.queue, pick.job.id);
  return { ...pick, node };
}
