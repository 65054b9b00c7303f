// What went wrong with a send, in our words and the user's language: worded from the
// worker's error codes (WorkerErrorCodes, and the core's WireErrorCode in a reply's
// `data.code` or an ItemError's `code`), never VS Code's generic "Command … resulted in an
// error". The worker's own message, which names the path and the system's error, follows.
import * as vscode from 'vscode';
import { WorkerErrorCodes, type WireErrorCode } from '@pacchettino/shared';

/** Why, as a sentence that can start a message; undefined for codes a send does not meet. */
export function reasonOf(code: WireErrorCode | undefined): string | undefined {
  switch (code) {
    case 'NOT_A_DIRECTORY':
      return vscode.l10n.t('A file or a link stands where the queue needs a folder of its own');
    case 'NOT_A_QUEUE':
      return vscode.l10n.t('The queue folder is missing or incomplete');
    case 'NO_ACCESS':
      return vscode.l10n.t("Permission denied on the queue's folders");
    case 'NO_SPACE':
      return vscode.l10n.t("The queue's disk is full");
    case 'FILE_NOT_FOUND':
      return vscode.l10n.t('The file no longer exists');
    case 'NOT_A_FILE':
      return vscode.l10n.t('Only regular files can be sent');
    case 'UNREADABLE':
      return vscode.l10n.t('The file cannot be read');
    case 'NAME_TOO_LONG':
      return vscode.l10n.t('The file name is too long for a queue (at most 200 bytes)');
    case 'BAD_NAME':
      return vscode.l10n.t('The file name cannot be used in a queue');
    case 'UNREACHABLE':
      return vscode.l10n.t("The queue's file system does not answer (a network drive cut off?)");
    case 'IO':
      return vscode.l10n.t('The disk reported an error');
    default:
      return undefined;
  }
}

export interface Failure {
  /** Our words. */
  reason: string;
  /** The worker's. */
  detail: string;
  code?: WireErrorCode;
}

/** A rejected request to the worker, worded. */
export function failureOf(err: unknown): Failure {
  const e = err as { code?: unknown; message?: unknown; data?: { code?: WireErrorCode } } | undefined;
  const detail = typeof e?.message === 'string' ? e.message : String(err);
  const code = e?.data?.code;
  switch (e?.code) {
    case WorkerErrorCodes.QueueUnavailable:
      return { reason: reasonOf(code) ?? vscode.l10n.t('The queue cannot be used now'), detail, code };
    case WorkerErrorCodes.QueueFailed:
      return { reason: reasonOf(code) ?? vscode.l10n.t('The queue refused the job'), detail, code };
    case WorkerErrorCodes.UnknownQueue:
      return { reason: vscode.l10n.t('The worker does not know this queue (is it in the pacchettino.queues setting?)'), detail };
    case WorkerErrorCodes.ReadOnly:
      return { reason: vscode.l10n.t('Pacchettino is read-only here (the pacchettino.readOnly setting)'), detail };
    default:
      return { reason: vscode.l10n.t('The Pacchettino worker could not do it'), detail };
  }
}
