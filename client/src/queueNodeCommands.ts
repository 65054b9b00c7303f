// What a queue node's context menu does, for a broken queue as much as a healthy one: take it
// out of the view (the setting, never its files), show its folder, open the setting.
import * as vscode from 'vscode';
import type { QueueNode } from './jobNodes';
import { queueLabel } from './queueLabel';
import { revealPath } from './revealPath';
import { removeQueueSetting, SECTION } from './settings';

/** Removes the queue from pacchettino.queues; its folder and jobs stay on disk. True when a setting changed. */
export async function removeFromView(node: QueueNode): Promise<boolean> {
  const removed = await removeQueueSetting(node.path);
  if (removed) {
    vscode.window.setStatusBarMessage(`$(check) ${vscode.l10n.t('{0} removed from the view; its files are left as they are.', queueLabel(node.path))}`, 5000);
  } else {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('{0} is not in a pacchettino.queues setting this window can change (a setting of another profile or a default?).', node.path),
    );
  }
  return removed;
}

export async function revealQueue(node: QueueNode): Promise<void> {
  // A queue that cannot be opened may not be there at all: say why instead of revealing nothing.
  if (node.summary.error) void vscode.window.showWarningMessage(node.summary.error);
  await revealPath(node.path, vscode.l10n.t('The queue folder'));
}

/** The settings editor at pacchettino.queues, in the scope that lists the queue (the workspace's, else the user's). */
export async function openQueueSettings(node: QueueNode): Promise<void> {
  const inspected = vscode.workspace.getConfiguration(SECTION, vscode.Uri.file(node.path)).inspect<unknown>('queues');
  const inWorkspace = inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;
  const query = `${SECTION}.queues`;
  await vscode.commands.executeCommand(inWorkspace ? 'workbench.action.openWorkspaceSettings' : 'workbench.action.openSettings', { query });
}
