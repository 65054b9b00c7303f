// Sending work: files (the editor's, or the explorer's selection) and text
// (the editor's selection, or typed in) become jobs through the worker.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EnqueueResult } from '@pacchettino/shared';
import { failureOf, reasonOf } from './enqueueErrors';
import { sendFiles } from './enqueueProgress';
import { queueLabel } from './queueLabel';
import { pickQueue, type QueuePickGiven } from './queueFolders';
import type { WorkerClient } from './workerClient';

export interface EnqueueOutcome extends EnqueueResult {
  queue: string;
  /** The warning or error shown, if any (a program can tell the user the same). */
  message?: string;
}

/** Options a program (a test, another extension) passes instead of answering the dialogs. */
export interface EnqueueGiven extends QueuePickGiven {
  /** The answer to "unsaved changes": save them and send, or send the version on disk; absent asks. */
  unsaved?: 'save' | 'saved';
  /** Stands in for the progress notification's Cancel button. */
  cancellation?: vscode.CancellationToken;
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
  given: EnqueueGiven = {},
): Promise<EnqueueOutcome | undefined> {
  const uris = selected?.length ? selected : clicked ? [clicked] : activeFile();
  const files = uris.filter((u) => u.scheme === 'file');
  if (files.length === 0) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Pacchettino: open or select a file saved on disk to enqueue it (unsaved text can be sent with "Enqueue Selection as Data Job").'),
    );
    return undefined;
  }
  if (!(await settleUnsaved(files, given.unsaved))) return undefined;
  const title = files.length === 1 ? vscode.l10n.t('Enqueue File') : vscode.l10n.t('Enqueue {0} Files', files.length);
  const queue = await pickQueue(worker, title, given);
  if (!queue) return undefined;
  // Asked after the queue, so a cancelled pick sends nothing; absent: due at once.
  const delay = delayMs ? await delayMs() : undefined;
  if (delayMs && delay === undefined) return undefined;

  const paths = files.map((f) => f.fsPath);
  let outcome: EnqueueOutcome;
  try {
    const sendTitle = vscode.l10n.t('Enqueueing in {0}', queueLabel(queue));
    outcome = { ...(await sendFiles(worker, { queue, files: paths, delayMs: delay, title: sendTitle, cancellation: given.cancellation })), queue };
  } catch (err) {
    return refused(queue, err);
  }
  outcome.message = report(outcome, vscode.l10n.t('file'), vscode.l10n.t('files'));
  return outcome;
}

/**
 * The job is a copy of the file on disk, so edits not saved would silently be left out: the
 * user says whether to save them first or send what is on disk. False: cancelled, send nothing.
 */
async function settleUnsaved(files: readonly vscode.Uri[], answer: EnqueueGiven['unsaved']): Promise<boolean> {
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && files.some((f) => f.toString() === d.uri.toString()));
  if (dirty.length === 0) return true;
  if (!answer) {
    const save = vscode.l10n.t('Save and Send');
    const saved = vscode.l10n.t('Send Saved Version');
    const names = dirty.map((d) => path.basename(d.uri.fsPath)).join(', ');
    const picked = await vscode.window.showWarningMessage(
      dirty.length === 1 ? vscode.l10n.t('{0} has unsaved changes.', names) : vscode.l10n.t('{0} have unsaved changes.', names),
      { modal: true, detail: vscode.l10n.t('The job is a copy of the file as it is on disk.') },
      save,
      saved,
    );
    answer = picked === save ? 'save' : picked === saved ? 'saved' : undefined;
  }
  if (answer === 'saved') return true;
  if (answer !== 'save') return false;
  for (const doc of dirty) {
    if (!(await doc.save())) {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} could not be saved: nothing was enqueued.', path.basename(doc.uri.fsPath)));
      return false;
    }
  }
  return true;
}

/** A request the worker refused as a whole (a broken queue, say): our words, never VS Code's "Command … resulted in an error". */
function refused(queue: string, err: unknown): EnqueueOutcome {
  const f = failureOf(err);
  const message = vscode.l10n.t('{0}: nothing was enqueued in {1}. {2}', f.reason, queueLabel(queue), f.detail);
  void vscode.window.showErrorMessage(message);
  return { queue, ids: [], errors: [{ item: queue, message, code: f.code }], message };
}

/** The editor's selection (every cursor's, one job), or text typed in, as a data job. */
export async function enqueueSelection(
  worker: WorkerClient,
  given?: unknown,
  delayMs?: () => Promise<number | undefined>,
): Promise<EnqueueOutcome | undefined> {
  let data = typeof given === 'string' ? given : selectionText();
  if (data === undefined) {
    const title = vscode.l10n.t('Enqueue Data Job');
    data = await vscode.window.showInputBox({ title, prompt: vscode.l10n.t('Text to send as a data job'), ignoreFocusOut: true });
    if (data === undefined) return undefined;
  }
  const queue = await pickQueue(worker, vscode.l10n.t('Enqueue Data Job'));
  if (!queue) return undefined;
  const delay = delayMs ? await delayMs() : undefined;
  if (delayMs && delay === undefined) return undefined;
  let outcome: EnqueueOutcome;
  try {
    outcome = { ...(await worker.enqueueData({ queue, data, delayMs: delay })), queue };
  } catch (err) {
    return refused(queue, err);
  }
  outcome.message = report(outcome, vscode.l10n.t('data job'), vscode.l10n.t('data jobs'));
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

/** Tells how the send went; returns the warning shown, if any. */
function report(outcome: EnqueueOutcome, one: string, many: string): string | undefined {
  const n = outcome.ids.length;
  const label = queueLabel(outcome.queue);
  if (n > 0 && !outcome.cancelled)
    vscode.window.setStatusBarMessage(`$(check) ${vscode.l10n.t('Enqueued {0} {1} in {2}', n, n === 1 ? one : many, label)}`, 4000);
  if (outcome.cancelled) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Cancelled: {0} {1} enqueued in {2}, nothing of the rest.', n, n === 1 ? one : many, label));
  }
  if (outcome.errors.length > 0) {
    const first = outcome.errors[0];
    // The reason first: a long file name must not push it out of the toast.
    const reason = reasonOf(first.code) ?? first.message;
    const more = outcome.errors.length > 1 ? vscode.l10n.t(' (and {0} more)', outcome.errors.length - 1) : '';
    const detail = reasonOf(first.code) ? ` ${first.message}` : '';
    const message = vscode.l10n.t('{0}: {1} was not enqueued{2}.{3}', reason, path.basename(first.item), more, detail);
    void vscode.window.showWarningMessage(message);
    return message;
  }
  return undefined;
}
