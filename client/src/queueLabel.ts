import * as vscode from 'vscode';

/** How a queue is named to the user everywhere (tree, status bar, prompts): relative to the workspace, or with ~ for home. */
export function queueLabel(queuePath: string): string {
  const rel = vscode.workspace.asRelativePath(queuePath, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
  return rel === queuePath ? queuePath.replace(process.env.HOME ?? '\0', '~') : rel;
}
