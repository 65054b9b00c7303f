// "Add Queue Folder…": a path typed (relative to the workspace, missing folders welcome, as the
// setting and the welcome view say) or browsed to. The worker says what the folder holds
// first, so a missing folder is created only after saying so, and state folders are laid
// beside a user's own files only once the user agrees. A path that cannot be a queue (a file,
// an unreadable folder) is refused before the settings are written, and one the worker then
// fails to open (a folder it cannot create) is taken out of them again, saying why.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FolderContents, QueueSummary } from '@pacchettino/shared';
import { queueLabel } from './queueLabel';
import { addQueueSetting, configuredQueues, removeQueueSetting, resolveQueuePath } from './settings';
import type { WorkerClient } from './workerClient';

/** What a program (a test) passes instead of answering: true says yes to each question, false no. */
export interface AddQueueGiven {
  confirmed?: boolean;
}

/**
 * Adds a queue folder to the settings; asks for a path when not given one (the welcome
 * view's button). Resolves the absolute path, or undefined when nothing was added.
 */
export async function addQueue(worker: WorkerClient, target?: string | vscode.Uri, given: AddQueueGiven = {}): Promise<string | undefined> {
  const typed = typeof target === 'string' ? target : (target?.fsPath ?? (await askForFolder()));
  const folder = typed ? resolveQueuePath(typed) : undefined;
  if (!folder) return undefined;
  if (configuredQueues().some((q) => q.path === folder)) return folder; // already shown: nothing to ask or undo
  let contents: FolderContents;
  try {
    contents = await worker.folderContents(folder);
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Not added as a queue: {0}', err instanceof Error ? err.message : String(err)));
    return undefined;
  }
  if (!(await agreed(folder, contents, given))) return undefined;
  await addQueueSetting(folder);
  // The worker opens it (creating what is missing) once it hears of the setting: a queue it cannot open is not kept.
  const opened = await summaryOf(worker, folder);
  if (opened?.error) {
    await removeQueueSetting(folder);
    void vscode.window.showErrorMessage(vscode.l10n.t('{0} could not be opened as a queue, so it was not added: {1}', folder, opened.error));
    return undefined;
  }
  if (!contents.exists) vscode.window.setStatusBarMessage(`$(new-folder) ${vscode.l10n.t('Created queue folder {0}', folder)}`, 5000);
  return configuredQueues().find((q) => q.path === folder)?.path ?? folder;
}

/** The worker's first summary of a queue just added; undefined when it gives none in time (not running, say): the setting then stays. */
function summaryOf(worker: WorkerClient, queue: string, timeoutMs = 10_000): Promise<QueueSummary | undefined> {
  return new Promise((resolve) => {
    const done = (s: QueueSummary | undefined) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const sub = worker.onDidChangeQueues((queues) => {
      const s = queues.find((q) => q.path === queue);
      if (s) done(s);
    });
    // Subscribed first: a summary already there (the worker answered before this ran) counts too.
    const known = worker.queues.find((q) => q.path === queue);
    if (known) done(known);
  });
}

/** Refuses what cannot be a queue; asks before creating a folder or adding one that holds other files. */
async function agreed(folder: string, contents: FolderContents, given: AddQueueGiven): Promise<boolean> {
  if (contents.error || (contents.exists && !contents.isDirectory)) {
    const why = contents.error ?? vscode.l10n.t('{0} is a file, not a folder.', folder);
    void vscode.window.showErrorMessage(vscode.l10n.t('Not added as a queue: {0}', why));
    return false;
  }
  if (!contents.exists) {
    const create = vscode.l10n.t('Create Folder');
    return ask(
      given,
      vscode.l10n.t('{0} does not exist. Create it as a queue folder?', folder),
      vscode.l10n.t('Pacchettino creates the folder and its state folders (queued/, processing/, success/, …).'),
      create,
    );
  }
  if (contents.isQueue || contents.otherCount === 0) return true;
  const more = contents.otherCount - contents.others.length;
  const names = contents.others.join(', ') + (more > 0 ? vscode.l10n.t(' and {0} more', more) : '');
  return ask(
    given,
    contents.otherCount === 1
      ? vscode.l10n.t('{0} already holds a file or folder of its own: {1}. Use it as a queue anyway?', queueLabel(folder), names)
      : vscode.l10n.t('{0} already holds {1} files or folders of its own: {2}. Use it as a queue anyway?', queueLabel(folder), contents.otherCount, names),
    vscode.l10n.t(
      'The state folders (queued/, processing/, success/, …) are created beside them; nothing there is moved or changed. An empty folder keeps the queue apart.',
    ),
    vscode.l10n.t('Use as Queue'),
  );
}

async function ask(given: AddQueueGiven, message: string, detail: string, button: string): Promise<boolean> {
  if (given.confirmed !== undefined) return given.confirmed;
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, button)) === button;
}

/**
 * A path box rather than only the folder dialog: the dialog picks existing folders, and a
 * queue's folder may not exist yet. Its button opens the dialog for those who browse.
 */
function askForFolder(): Promise<string | undefined> {
  const box = vscode.window.createInputBox();
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  box.title = vscode.l10n.t('Add Queue Folder');
  box.prompt = vscode.l10n.t('A folder path, relative to the workspace or absolute; a missing folder is created.');
  box.value = base ? `${base}${path.sep}` : '';
  box.ignoreFocusOut = true;
  const browse: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('folder-opened'), tooltip: vscode.l10n.t('Browse…') };
  box.buttons = [browse];
  return new Promise((resolve) => {
    let answer: string | undefined;
    let browsing = false;
    box.onDidAccept(() => {
      answer = box.value.trim() || undefined;
      box.hide();
    });
    box.onDidTriggerButton(async () => {
      browsing = true;
      box.hide();
      const picked = await vscode.window.showOpenDialog({
        title: vscode.l10n.t('Add Queue Folder'),
        openLabel: vscode.l10n.t('Use as Queue'),
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      resolve(picked?.[0]?.fsPath);
    });
    box.onDidHide(() => {
      box.dispose();
      if (!browsing) resolve(answer);
    });
    box.show();
  });
}
