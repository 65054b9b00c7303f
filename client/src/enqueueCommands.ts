// Sending work: files (the editor's, or the explorer's selection) and text
// (the editor's selection, or typed in) become jobs through the worker.
import * as vscode from 'vscode';
import type { EnqueueResult } from '@pacchettino/shared';
import { queueLabel } from './queueLabel';
import { pickQueue } from './queueFolders';
import type { WorkerClient } from './workerClient';

/** Above this many files the send runs in batches under a cancellable progress notification. */
const PROGRESS_THRESHOLD = 20;
const BATCH = 50;

export interface EnqueueOutcome extends EnqueueResult {
  queue: string;
}

/**
 * Explorer menus pass (clicked, allSelected); editor menus pass the editor's
 * resource; the palette passes nothing, so the active editor's file is sent.
 */
export async function enqueueFiles(
  worker: WorkerClient,
  clicked?: vscode.Uri,
  selected?: vscode.Uri[],
  delayMs?: () => Promise<number | undefined>,
): Promise<EnqueueOutcome | undefined> {
  const uris = selected?.length ? selected : clicked ? [clicked] : activeFile();
  const files = uris.filter((u) => u.scheme === 'file');
  if (files.length === 0) {
    void vscode.window.showWarningMessage(
      'Pacchettino: open or select a file saved on disk to enqueue it (unsaved text can be sent with "Enqueue Selection as Data Job").',
    );
    return undefined;
  }
  // The job is a copy of the file on disk: unsaved edits would silently be left out.
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && files.some((f) => f.toString() === doc.uri.toString())) await doc.save();
  }
  const queue = await pickQueue(worker, `Enqueue ${files.length === 1 ? 'File' : `${files.length} Files`}`);
  if (!queue) return undefined;
  // Asked after the queue, so a cancelled pick sends nothing; absent: due at once.
  const delay = delayMs ? await delayMs() : undefined;
  if (delayMs && delay === undefined) return undefined;

  const paths = files.map((f) => f.fsPath);
  const outcome: EnqueueOutcome = { queue, ids: [], errors: [] };
  if (paths.length <= PROGRESS_THRESHOLD) {
    Object.assign(outcome, await worker.enqueueFiles({ queue, files: paths, delayMs: delay }), { queue });
  } else {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Enqueueing ${paths.length} files in ${queueLabel(queue)}`, cancellable: true },
      async (progress, token) => {
        for (let i = 0; i < paths.length && !token.isCancellationRequested; i += BATCH) {
          const r = await worker.enqueueFiles({ queue, files: paths.slice(i, i + BATCH), delayMs: delay });
          outcome.ids.push(...r.ids);
          outcome.errors.push(...r.errors);
          progress.report({ increment: (100 * Math.min(BATCH, paths.length - i)) / paths.length, message: `${outcome.ids.length} sent` });
        }
      },
    );
  }
  report(outcome, 'file');
  return outcome;
}

/** The editor's selection (every cursor's, one job), or text typed in, as a data job. */
export async function enqueueSelection(
  worker: WorkerClient,
  given?: unknown,
  delayMs?: () => Promise<number | undefined>,
): Promise<EnqueueOutcome | undefined> {
  let data = typeof given === 'string' ? given : selectionText();
  if (data === undefined) {
    data = await vscode.window.showInputBox({ title: 'Enqueue Data Job', prompt: 'Text to send as a data job', ignoreFocusOut: true });
    if (data === undefined) return undefined;
  }
  const queue = await pickQueue(worker, 'Enqueue Data Job');
  if (!queue) return undefined;
  const delay = delayMs ? await delayMs() : undefined;
  if (delayMs && delay === undefined) return undefined;
  const outcome = { ...(await worker.enqueueData({ queue, data, delayMs: delay })), queue };
  report(outcome, 'data job');
  return outcome;
}

function activeFile(): vscode.Uri[] {
  const doc = vscode.window.activeTextEditor?.document;
  return doc ? [doc.uri] : [];
}

function selectionText(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const parts = editor.selections.filter((s) => !s.isEmpty).map((s) => editor.document.getText(s));
  return parts.length ? parts.join('\n') : undefined;
}

function report(outcome: EnqueueOutcome, what: string): void {
  const n = outcome.ids.length;
  if (n > 0) vscode.window.setStatusBarMessage(`$(check) Enqueued ${n} ${what}${n === 1 ? '' : 's'} in ${queueLabel(outcome.queue)}`, 4000);
  if (outcome.errors.length > 0) {
    const first = outcome.errors[0];
    const more = outcome.errors.length > 1 ? ` (and ${outcome.errors.length - 1} more)` : '';
    void vscode.window.showWarningMessage(`Pacchettino could not enqueue ${first.item}: ${first.message}${more}`);
  }
}
