// The first-run walkthrough (contributes.walkthroughs in package.json): its steps complete
// on commands and context keys; this file sets the one key no command gives, "a consumer
// task ran", and opens the walkthrough on request.
import * as vscode from 'vscode';
import { TASK_TYPE } from './consumerTasks';

export const WALKTHROUGH_ID = 'pacchettino.pacchettino-vscode#firstRun';

export function registerWalkthrough(): vscode.Disposable[] {
  return [
    vscode.tasks.onDidStartTask((e) => {
      if (e.execution.task.definition.type === TASK_TYPE) void vscode.commands.executeCommand('setContext', 'pacchettino.consumerTaskRan', true);
    }),
    vscode.commands.registerCommand('pacchettino.openWalkthrough', () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false),
    ),
  ];
}
