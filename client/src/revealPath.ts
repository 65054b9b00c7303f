// Showing a path on disk where the user can see it: the Explorer when it is inside the
// workspace, else the OS's file manager; a browser (code-server) has none for a remote path.
import * as vscode from 'vscode';

/** Reveals `where`; `what` names it in the message shown when only its path can be handed over. */
export async function revealPath(where: string, what: string): Promise<void> {
  const uri = vscode.Uri.file(where);
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
  } else if (vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName) {
    await vscode.commands.executeCommand('revealFileInOS', uri);
  } else {
    await vscode.env.clipboard.writeText(where);
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} is outside the workspace; its path was copied: {1}', what, where));
  }
}
