// Running `pacchettino` tasks as a user would: defined in tasks.json, fetched
// through the task provider's resolveTask, executed in a terminal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PacchettinoApi } from '../../../client/src/api';
import { nextEvent } from './extensionUnderTest';

export interface TaskRun {
  execution: vscode.TaskExecution;
  /** Its exit code once it ends. */
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
  const exitCode = nextEvent(vscode.tasks.onDidEndTaskProcess, `${task.name} to end`, isOurs, 60_000).then((e) => e.exitCode);
  const execution = await vscode.tasks.executeTask(task);
  return { execution, exitCode };
}

/**
 * The text of the Pacchettino Consumers output once `ready` accepts it. VS Code keeps a log
 * output channel in `<extension log folder>/<name>.log`, the file the Output panel shows; its
 * writes are buffered and signal nothing, so the file is polled until the deadline.
 */
export async function consumerLines(api: PacchettinoApi, ready: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const file = path.join(api.logUri.fsPath, 'Pacchettino Consumers.log');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (ready(text)) return text;
    if (Date.now() > deadline) throw new Error(`${file} did not say what was waited for within ${timeoutMs} ms:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
