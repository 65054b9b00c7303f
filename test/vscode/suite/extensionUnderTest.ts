// The extension as the suite sees it: its API from activate(), the Jobs tree read
// through the same getChildren/getTreeItem VS Code calls, queue settings, and
// waits that wake on the extension's own events (never fixed sleeps).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobNode, JobsNode, PacchettinoApi, QueueNode, StateNode } from '../../../client/src/api';
import type { WireJobState } from '@pacchettino/shared';

export const EXTENSION_ID = 'pacchettino.pacchettino-vscode';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite needs a workspace folder (the harness opens one)');
  return folder.uri.fsPath;
}

/** An empty folder under the workspace, for one test's queue. */
export function freshQueueDir(name: string): string {
  const dir = path.join(workspaceDir(), 'queues', name);
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

export async function extensionApi(): Promise<PacchettinoApi> {
  const ext = vscode.extensions.getExtension<PacchettinoApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found (is engines.vscode compatible with ${vscode.version}?)`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  await api.workerReady;
  return api;
}

/**
 * Resolves with `probe`'s first defined answer, probing again after each tree
 * refresh or queue push; rejects after `timeoutMs` (a deadline, not a sleep).
 */
export async function until<T>(api: PacchettinoApi, what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let wake!: () => void;
    const woken = new Promise<void>((r) => {
      wake = r;
    });
    // Subscribed before probing, so a change between probe and wait is not missed.
    const subs = [api.tree.onDidChangeTreeData!(() => wake()), api.onDidChangeQueues(() => wake()), api.onDidWorkerStart(() => wake())];
    try {
      const answer = await probe().catch(() => undefined); // a worker restarting answers nothing for a moment
      if (answer !== undefined) return answer;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        woken,
        new Promise<void>((r) => {
          timer = setTimeout(r, left);
        }),
      ]);
      clearTimeout(timer);
    } finally {
      for (const s of subs) s.dispose();
    }
  }
}

/** Resolves on the event's next firing that passes `accept`, or rejects after the deadline. */
export function nextEvent<T>(event: vscode.Event<T>, what: string, accept: (e: T) => boolean = () => true, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub = event((e) => {
      if (!accept(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

/**
 * Sets `pacchettino.queues` (workspace settings, paths relative to the workspace)
 * and waits until the tree shows exactly those queues, each with its counts.
 */
export async function useQueues(api: PacchettinoApi, relativePaths: string[]): Promise<void> {
  await vscode.workspace.getConfiguration('pacchettino').update('queues', relativePaths, vscode.ConfigurationTarget.Workspace);
  const want = relativePaths.map((p) => path.join(workspaceDir(), p));
  await until(api, `the tree to show queues ${relativePaths.join(', ')}`, async () => {
    const roots = (await api.tree.getChildren()) as QueueNode[];
    const ok = roots.length === want.length && roots.every((r, i) => r.path === want[i] && r.summary.counts);
    return ok ? true : undefined;
  });
}

export async function queueNode(api: PacchettinoApi, queue: string): Promise<QueueNode | undefined> {
  const roots = (await api.tree.getChildren()) as JobsNode[];
  return roots.find((n): n is QueueNode => n.kind === 'queue' && n.path === queue);
}

export async function stateNode(api: PacchettinoApi, queue: string, state: WireJobState): Promise<StateNode | undefined> {
  const q = await queueNode(api, queue);
  if (!q) return undefined;
  const states = (await api.tree.getChildren(q)) as JobsNode[];
  return states.find((n): n is StateNode => n.kind === 'state' && n.state === state);
}

export async function jobsIn(api: PacchettinoApi, queue: string, state: WireJobState): Promise<JobNode[]> {
  const s = await stateNode(api, queue, state);
  if (!s) return [];
  return ((await api.tree.getChildren(s)) as JobsNode[]).filter((n): n is JobNode => n.kind === 'job');
}

/**
 * The job's node under `state` (and passing `where`), once the state's count (pushed
 * by the worker) and the state's page both show it.
 */
export function jobShownIn(
  api: PacchettinoApi,
  queue: string,
  state: WireJobState,
  id: string,
  opts: { timeoutMs?: number; where?: (j: JobNode) => boolean } = {},
): Promise<JobNode> {
  return until(
    api,
    `job ${id} under ${state}`,
    async () => {
      const s = await stateNode(api, queue, state);
      if (!s || s.count === 0) return undefined;
      return (await jobsIn(api, queue, state)).find((j) => j.job.id === id && (opts.where?.(j) ?? true));
    },
    opts.timeoutMs,
  );
}

export async function counts(api: PacchettinoApi, queue: string): Promise<Record<WireJobState, number>> {
  const q = await queueNode(api, queue);
  if (!q) throw new Error(`queue ${queue} not in the tree`);
  const states = (await api.tree.getChildren(q)) as StateNode[];
  return Object.fromEntries(states.map((s) => [s.state, s.count])) as Record<WireJobState, number>;
}

export function labelOf(api: PacchettinoApi, node: JobsNode): string {
  const item = api.tree.getTreeItem(node) as vscode.TreeItem;
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

export function treeItem(api: PacchettinoApi, node: JobsNode): vscode.TreeItem {
  return api.tree.getTreeItem(node) as vscode.TreeItem;
}

export async function showJobsView(api: PacchettinoApi): Promise<void> {
  await vscode.commands.executeCommand('pacchettino.jobs.focus');
  if (!api.treeView.visible) await nextEvent(api.treeView.onDidChangeVisibility, 'the Jobs view to show', (e) => e.visible, 10_000);
}

/**
 * Resolves once the tree has told the view nothing for `quietMs`: VS Code batches a tree's
 * refreshes over 200 ms, so an action timed right after another's refresh measures that
 * batch, not itself.
 */
export function treeAtRest(api: PacchettinoApi, quietMs = 250): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, quietMs);
    const sub = api.tree.onDidChangeTreeData!(() => {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    function done() {
      sub.dispose();
      resolve();
    }
  });
}
