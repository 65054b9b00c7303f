// Tasks of type `pacchettino`: each is a consumer, the CLI's `consume`, that runs
// a shell command per job. It runs as its own process (not in the worker), so
// stopping the task leaves its job in processing/ for the worker's recovery sweep.
// Its terminal is a ConsumerTerminal, which also keeps the lines in an output channel.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ConsumerTerminal } from './consumerTerminal';
import { configuredQueues, defaultHandler, keptStates, leaseSeconds, resolveQueuePath, sharedSetting } from './settings';

export const TASK_TYPE = 'pacchettino';

/** Mirrors `taskDefinitions` in package.json. */
export interface ConsumerTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  /** Queue folder; relative to the task's workspace folder. */
  queue: string;
  /** Shell command per job; default: the `pacchettino.defaultHandler` setting. */
  command?: string;
  /** Handle the jobs due now, then exit (instead of waiting for more). */
  once?: boolean;
  concurrency?: number;
  /** Seconds a handler may run before it is killed (the job fails). */
  timeout?: number;
  /** Seconds another machine's consumer may stay silent before its jobs are taken; default: the pacchettino.lease setting. */
  lease?: number;
  /** Whether other machines use the queue; default: the pacchettino.shared setting (detected when "auto"). */
  shared?: boolean;
  /** Start the command once per concurrency slot and hand it jobs over the line protocol (consume --persistent). */
  persistent?: boolean;
  /** A Node module whose exported function handles each job in worker threads (consume --module); replaces command. */
  module?: string;
}

export class ConsumerTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly cliPath: string,
    /** Where every consumer's lines are kept after its terminal is gone. */
    private readonly output: vscode.LogOutputChannel,
    /** The folder of the `pacchettino` launcher (cliOnPath.ts): handlers may call the CLI, as in a terminal. */
    private readonly cliDir?: string,
  ) {}

  /** One consumer per configured queue, when a default handler says what to run. */
  provideTasks(): vscode.Task[] {
    // Untrusted workspaces run no handler commands: settings there could name any command.
    if (!vscode.workspace.isTrusted) return [];
    if (!defaultHandler()) return [];
    return configuredQueues().flatMap((q) => {
      const def: ConsumerTaskDefinition = { type: TASK_TYPE, queue: q.configured };
      const task = this.build(def, q.folder ?? vscode.TaskScope.Workspace);
      return task ? [task] : [];
    });
  }

  /** Fills in a task written in tasks.json (its command, or the default handler). */
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    if (!vscode.workspace.isTrusted) return undefined;
    const def = task.definition as ConsumerTaskDefinition;
    if (def.type !== TASK_TYPE || typeof def.queue !== 'string') return undefined;
    return this.build(def, task.scope ?? vscode.TaskScope.Workspace, task.name);
  }

  private build(def: ConsumerTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, name?: string): vscode.Task | undefined {
    const folder = typeof scope === 'object' ? scope : undefined;
    const queue = resolveQueuePath(def.queue, folder);
    // A module is a path like a queue's: relative to the task's folder, absolute, or under ~.
    const module = typeof def.module === 'string' ? resolveQueuePath(def.module, folder) : undefined;
    const command = module ? undefined : (def.command ?? defaultHandler());
    if (!queue || !(command || module)) return undefined;
    const args = [this.cliPath, 'consume', queue];
    if (def.once) args.push('--once');
    args.push('--concurrency', String(def.concurrency ?? 1));
    if (def.timeout !== undefined) args.push('--timeout', `${def.timeout}s`);
    const lease = def.lease ?? leaseSeconds();
    if (lease !== undefined) args.push('--lease', `${lease}s`);
    const shared = def.shared ?? sharedSetting();
    if (shared !== undefined) args.push(shared ? '--shared' : '--no-shared');
    // The task files jobs itself: with the same keep policy as the worker's recovery.
    args.push('--keep', keptStates().join(',') || 'none');
    if (module) args.push('--module', module);
    else args.push(...(def.persistent ? ['--persistent'] : []), '--', 'sh', '-c', command!);
    // process.execPath is Electron in desktop VS Code: ELECTRON_RUN_AS_NODE makes it plain Node.
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
    if (this.cliDir) env.PATH = `${this.cliDir}${path.delimiter}${env.PATH ?? ''}`;
    const taskName = name ?? `consume ${def.queue}`;
    const run = { command: process.execPath, args, cwd: folder?.uri.fsPath, env };
    const execution = new vscode.CustomExecution(() => Promise.resolve(new ConsumerTerminal(taskName, run, this.output)));
    const task = new vscode.Task(def, scope, taskName, TASK_TYPE, execution, []);
    const until = def.once ? vscode.l10n.t('jobs due now') : vscode.l10n.t('until stopped');
    task.detail = module
      ? vscode.l10n.t('{0}  (module, in worker threads, {1})', module, until)
      : def.persistent
        ? vscode.l10n.t('{0}  (started once, jobs over fd 3, {1})', command!, until)
        : vscode.l10n.t('{0}  (per job, {1})', command!, until);
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
    return task;
  }
}
