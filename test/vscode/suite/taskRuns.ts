// Running `pacchettino` tasks as a user would: defined in tasks.json, fetched
// through the task provider's resolveTask, executed in a terminal.
import * as vscode from 'vscode';
import { nextEvent } from './extensionUnderTest';

export interface TaskRun {
  execution: vscode.TaskExecution;
  /** The task's own process (the CLI's `consume`). */
  pid: Promise<number>;
  /** Its exit code once it ends (undefined when killed by a signal). */
  exitCode: Promise<number | undefined>;
}

/** Writes the workspace's tasks.json through VS Code's configuration API. */
export async function defineTasks(tasks: object[]): Promise<void> {
  const config = vscode.workspace.getConfiguration('tasks');
  await config.update('version', '2.0.0', vscode.ConfigurationTarget.Workspace);
  await config.update('tasks', tasks, vscode.ConfigurationTarget.Workspace);
}

/**
 * The task named `label`, as fetchTasks returns it. The task service reloads
 * tasks.json on its own schedule and has no event for "reloaded", so this asks
 * again every 100 ms until the deadline.
 */
export async function fetchTask(label: string, timeoutMs = 10_000): Promise<vscode.Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = (await vscode.tasks.fetchTasks({ type: 'pacchettino' })).find((t) => t.name === label);
    if (task?.execution) return task;
    if (Date.now() > deadline) throw new Error(`task ${label} not found within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startTask(task: vscode.Task): Promise<TaskRun> {
  // Subscribed before executing: the process may start before executeTask resolves.
  const isOurs = (e: { execution: vscode.TaskExecution }) => e.execution.task.name === task.name;
  const pid = nextEvent(vscode.tasks.onDidStartTaskProcess, `${task.name} to start`, isOurs).then((e) => e.processId);
  const exitCode = nextEvent(vscode.tasks.onDidEndTaskProcess, `${task.name} to end`, isOurs, 60_000).then((e) => e.exitCode);
  const execution = await vscode.tasks.executeTask(task);
  return { execution, pid, exitCode };
}
