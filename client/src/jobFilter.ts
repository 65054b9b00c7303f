// Per state node: the filter and sort the user chose, how it reads on the node
// ("filter: csv"), and the commands that set and clear them. The worker does the
// filtering and paging (JobsRequest.filter/sort); this only remembers the choice.
import * as vscode from 'vscode';
import type { WireJobFilter, WireJobState, WireSortKey } from '@pacchettino/shared';
import type { StateNode } from './jobNodes';

export interface StateView {
  filter?: WireJobFilter;
  sort: WireSortKey;
  order: 'asc' | 'desc';
}

const FINISHED: readonly WireJobState[] = ['SUCCESS', 'FAILED', 'INTERRUPTED'];

export function isFinishedState(state: WireJobState): boolean {
  return FINISHED.includes(state);
}

/** Waiting jobs as they will run; finished ones most recently finished first (a job that just failed again is on top). */
export function defaultView(state: WireJobState): StateView {
  return isFinishedState(state) ? { sort: 'finished', order: 'desc' } : { sort: 'sent', order: 'asc' };
}

export function hasFilter(view: StateView): boolean {
  return !!view.filter && Object.values(view.filter).some((v) => v !== undefined && v !== '');
}

/** What the node says about its filter, e.g. `filter: csv, reason: timeout, finished ≥ 2026-12-01`. */
export function filterLabel(f: WireJobFilter): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const parts: string[] = [];
  if (f.nameContains) parts.push(f.nameContains);
  if (f.reasonContains) parts.push(vscode.l10n.t('reason: {0}', f.reasonContains));
  if (f.sentAfter !== undefined) parts.push(vscode.l10n.t('sent ≥ {0}', day(f.sentAfter)));
  if (f.sentBefore !== undefined) parts.push(vscode.l10n.t('sent < {0}', day(f.sentBefore)));
  if (f.finishedAfter !== undefined) parts.push(vscode.l10n.t('finished ≥ {0}', day(f.finishedAfter)));
  if (f.finishedBefore !== undefined) parts.push(vscode.l10n.t('finished < {0}', day(f.finishedBefore)));
  return vscode.l10n.t('filter: {0}', parts.join(', '));
}

export function sortLabel(view: StateView): string {
  const names: Record<WireSortKey, string> = {
    sent: vscode.l10n.t('sent'),
    finished: vscode.l10n.t('finished'),
    name: vscode.l10n.t('name'),
    size: vscode.l10n.t('size'),
  };
  return `${names[view.sort]} ${view.order === 'asc' ? '↑' : '↓'}`;
}

/** The views chosen per (queue, state); a state nobody touched has its default view. */
export class StateViews implements vscode.Disposable {
  private readonly views = new Map<string, StateView>();
  private readonly changed = new vscode.EventEmitter<{ queue: string; state: WireJobState }>();
  readonly onDidChange = this.changed.event;

  get(queue: string, state: WireJobState): StateView {
    return this.views.get(key(queue, state)) ?? defaultView(state);
  }

  set(queue: string, state: WireJobState, view: StateView): void {
    this.views.set(key(queue, state), view);
    this.changed.fire({ queue, state });
  }

  clearFilter(queue: string, state: WireJobState): void {
    const view = this.get(queue, state);
    this.set(queue, state, { sort: view.sort, order: view.order });
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function key(queue: string, state: WireJobState): string {
  return `${queue}\0${state}`;
}

// ---- the commands ------------------------------------------------------------------

/** Ages a user picks from, for "finished in the last …" and for clean-up. */
export const AGES: readonly { label: string; ms: number }[] = [
  { label: vscode.l10n.t('1 hour'), ms: 3_600_000 },
  { label: vscode.l10n.t('1 day'), ms: 86_400_000 },
  { label: vscode.l10n.t('7 days'), ms: 7 * 86_400_000 },
  { label: vscode.l10n.t('30 days'), ms: 30 * 86_400_000 },
];

/**
 * Filter a state: one input for the name (the common case: type and Enter); the quick
 * pick's items add a reason or a time range. Undefined when dismissed.
 */
export async function pickFilter(node: StateNode, current: StateView): Promise<WireJobFilter | undefined> {
  const f: WireJobFilter = { ...current.filter };
  type Item = vscode.QuickPickItem & { apply: (f: WireJobFilter, text: string) => void };
  const items: Item[] = [
    { label: '$(search) ' + vscode.l10n.t('Name contains…'), description: f.nameContains, apply: (x, t) => (x.nameContains = t || undefined) },
    { label: '$(comment) ' + vscode.l10n.t('Failure reason contains…'), description: f.reasonContains, apply: (x, t) => (x.reasonContains = t || undefined) },
  ];
  const finished = isFinishedState(node.state);
  for (const age of AGES) {
    items.push({
      label: '$(history) ' + (finished ? vscode.l10n.t('Finished in the last {0}', age.label) : vscode.l10n.t('Sent in the last {0}', age.label)),
      apply: (x) => {
        if (finished) x.finishedAfter = Date.now() - age.ms;
        else x.sentAfter = Date.now() - age.ms;
      },
    });
  }
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = vscode.l10n.t('Filter {0}', node.state.toLowerCase());
  qp.placeholder = vscode.l10n.t('Type part of a job name and press Enter, or pick a filter');
  qp.value = f.nameContains ?? '';
  qp.items = items;
  // Typing filters by name unless an item is chosen: keep the items visible whatever is typed.
  qp.matchOnDescription = false;
  items.forEach((i) => (i.alwaysShow = true));
  const chosen = await new Promise<{ item?: Item; text: string } | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0];
      // With text typed and the first (name) item merely highlighted, Enter means "name contains".
      resolve({ item: qp.value && item === items[0] ? undefined : item, text: qp.value });
      qp.hide();
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!chosen) return undefined;
  if (!chosen.item) {
    f.nameContains = chosen.text.trim() || undefined;
    return f;
  }
  if (chosen.item === items[0] || chosen.item === items[1]) {
    const text = await vscode.window.showInputBox({
      title: chosen.item.label.replace(/^\$\([^)]+\) /, ''),
      value: chosen.item === items[0] ? (f.nameContains ?? chosen.text) : f.reasonContains,
    });
    if (text === undefined) return undefined;
    chosen.item.apply(f, text.trim());
    return f;
  }
  chosen.item.apply(f, chosen.text);
  return f;
}

export async function pickSort(current: StateView): Promise<Pick<StateView, 'sort' | 'order'> | undefined> {
  const choices: { label: string; sort: WireSortKey; order: 'asc' | 'desc' }[] = [
    { label: vscode.l10n.t('Most recently finished first'), sort: 'finished', order: 'desc' },
    { label: vscode.l10n.t('Least recently finished first'), sort: 'finished', order: 'asc' },
    { label: vscode.l10n.t('Newest sent first'), sort: 'sent', order: 'desc' },
    { label: vscode.l10n.t('Oldest sent first'), sort: 'sent', order: 'asc' },
    { label: vscode.l10n.t('Name, A to Z'), sort: 'name', order: 'asc' },
    { label: vscode.l10n.t('Name, Z to A'), sort: 'name', order: 'desc' },
    { label: vscode.l10n.t('Largest first'), sort: 'size', order: 'desc' },
    { label: vscode.l10n.t('Smallest first'), sort: 'size', order: 'asc' },
  ];
  const picked = await vscode.window.showQuickPick(
    choices.map((c) => ({ ...c, description: c.sort === current.sort && c.order === current.order ? vscode.l10n.t('current') : undefined })),
    { title: vscode.l10n.t('Sort jobs by') },
  );
  return picked && { sort: picked.sort, order: picked.order };
}
