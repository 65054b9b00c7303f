// Reads the `pacchettino.*` settings and turns them into what the worker and the
// tasks need (absolute queue paths, the finished states to keep). The only place that knows
// the settings' names and how relative queue paths are resolved.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FINISHED_STATES, type WireFinishedState, type WorkerSettings } from '@pacchettino/shared';

export const SECTION = 'pacchettino';

/** The finished states as the setting (and the CLI's --keep) names them. */
const KEEP_NAMES: readonly string[] = FINISHED_STATES.map((s) => s.toLowerCase());

export interface ConfiguredQueue {
  /** As written in settings.json (may be relative). */
  configured: string;
  /** Absolute path: the key the worker and every message use. */
  path: string;
  /** The folder a relative path was resolved against (scope for tasks). */
  folder?: vscode.WorkspaceFolder;
}

/**
 * Every configured queue, once: per workspace folder (relative paths resolve
 * against that folder), or the window's settings when no folder is open.
 */
export function configuredQueues(): ConfiguredQueue[] {
  const seen = new Map<string, ConfiguredQueue>();
  const add = (configured: string, folder?: vscode.WorkspaceFolder) => {
    const abs = resolveQueuePath(configured, folder);
    if (abs && !seen.has(abs)) seen.set(abs, { configured, path: abs, folder });
  };
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    for (const q of readQueues(vscode.workspace.getConfiguration(SECTION))) add(q);
  }
  for (const folder of folders) {
    for (const q of readQueues(vscode.workspace.getConfiguration(SECTION, folder.uri))) add(q, folder);
  }
  return [...seen.values()];
}

/** Absolute path for a setting's entry; a relative one needs a folder (undefined without). */
export function resolveQueuePath(configured: string, folder?: vscode.WorkspaceFolder): string | undefined {
  const expanded = configured.replace(/^~(?=$|\/)/, process.env.HOME ?? '~');
  if (path.isAbsolute(expanded)) return path.normalize(expanded);
  const base = folder ?? vscode.workspace.workspaceFolders?.[0];
  return base ? path.resolve(base.uri.fsPath, expanded) : undefined;
}

function readQueues(config: vscode.WorkspaceConfiguration): string[] {
  const value = config.get<unknown>('queues');
  return Array.isArray(value) ? value.filter((q): q is string => typeof q === 'string' && q.trim() !== '') : [];
}

/** The finished states to keep, as named in the setting (and by the CLI's --keep). */
export function keptStates(): string[] {
  const keep = vscode.workspace.getConfiguration(SECTION).get<unknown>('keep', ['success', 'failed', 'interrupted']);
  return Array.isArray(keep) ? keep.filter((k): k is string => typeof k === 'string' && KEEP_NAMES.includes(k)) : [...KEEP_NAMES];
}

export function workerSettings(): WorkerSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    queues: configuredQueues().map((q) => q.path),
    keep: keptStates().map((k) => k.toUpperCase() as WireFinishedState),
    recoveryInterval: Math.max(1, config.get<number>('recoveryInterval', 10)),
    readOnly: readOnly(),
    lease: leaseSeconds(),
    shared: sharedSetting(),
  };
}

/** pacchettino.readOnly: look, never change (the worker refuses changes too). */
export function readOnly(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('readOnly', false) === true;
}

/** pacchettino.lease: seconds another machine's consumer may stay silent before its jobs are taken. */
export function leaseSeconds(): number | undefined {
  const v = vscode.workspace.getConfiguration(SECTION).get<unknown>('lease');
  return typeof v === 'number' && Number.isFinite(v) && v >= 0.3 && v <= 86400 ? v : undefined;
}

/** pacchettino.shared: "auto" (detect from the file system), "shared" or "local". */
export function sharedSetting(): boolean | undefined {
  const v = vscode.workspace.getConfiguration(SECTION).get<unknown>('shared', 'auto');
  return v === 'shared' ? true : v === 'local' ? false : undefined;
}

/** The shell command consumer tasks run per job when tasks.json names none. */
export function defaultHandler(): string | undefined {
  const cmd = vscode.workspace.getConfiguration(SECTION).get<string>('defaultHandler', '').trim();
  return cmd || undefined;
}

export function pageSize(): number {
  return Math.max(10, vscode.workspace.getConfiguration(SECTION).get<number>('pageSize', 100));
}

/**
 * Adds a queue folder to the settings: relative to the workspace folder holding
 * it (so the setting travels with the repository), absolute otherwise.
 */
export async function addQueueSetting(folderPath: string): Promise<void> {
  const abs = path.resolve(folderPath);
  const owner = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(abs));
  const entry = owner ? path.relative(owner.uri.fsPath, abs) || '.' : abs;
  const config = vscode.workspace.getConfiguration(SECTION, owner?.uri);
  // Folder settings only exist apart from workspace settings in a multi-root workspace.
  const target =
    owner && vscode.workspace.workspaceFile
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : vscode.workspace.workspaceFolders?.length
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  const inspected = config.inspect<string[]>('queues');
  const current =
    (target === vscode.ConfigurationTarget.WorkspaceFolder
      ? inspected?.workspaceFolderValue
      : target === vscode.ConfigurationTarget.Workspace
        ? inspected?.workspaceValue
        : inspected?.globalValue) ?? [];
  if (configuredQueues().some((q) => q.path === abs)) return;
  await config.update('queues', [...current, entry], target);
}

/**
 * Takes a queue out of the settings wherever it is listed (user, workspace, folder settings):
 * the view stops showing it. Its folder and files are left as they are.
 */
export async function removeQueueSetting(queuePath: string): Promise<boolean> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  // Folder settings exist apart from workspace settings only in a multi-root workspace (as in addQueueSetting).
  const scopes: { uri?: vscode.Uri; folder?: vscode.WorkspaceFolder }[] = [
    {},
    ...(vscode.workspace.workspaceFile ? folders : []).map((f) => ({ uri: f.uri, folder: f })),
  ];
  const names = (q: unknown, folder?: vscode.WorkspaceFolder) =>
    typeof q === 'string' && (folder ? [folder] : [undefined, ...folders]).some((f) => resolveQueuePath(q, f) === queuePath);
  let removed = false;
  for (const { uri, folder } of scopes) {
    const config = vscode.workspace.getConfiguration(SECTION, uri);
    const inspected = config.inspect<unknown>('queues');
    const targets: [unknown, vscode.ConfigurationTarget][] = folder
      ? [[inspected?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder]]
      : [
          [inspected?.globalValue, vscode.ConfigurationTarget.Global],
          [inspected?.workspaceValue, vscode.ConfigurationTarget.Workspace],
        ];
    for (const [value, target] of targets) {
      if (!Array.isArray(value)) continue;
      const kept = value.filter((q) => !names(q, folder));
      if (kept.length === value.length) continue;
      await config.update('queues', kept.length ? kept : undefined, target);
      removed = true;
    }
  }
  return removed;
}
