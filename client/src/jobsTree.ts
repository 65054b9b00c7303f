// The Jobs tree: queue -> state (count) -> a page of jobs + "Load more…".
// Counts come from the worker's pushed summaries; job pages are asked for when
// VS Code expands a state. Refreshes go through a RefreshBatcher.
import * as vscode from 'vscode';
import { JOB_STATES, type JobsParams, type QueueSummary, type WireJobPage, type WireJobState } from '@pacchettino/shared';
import { hasFilter, StateViews } from './jobFilter';
import { treeItemOf, type JobNode, type JobsNode, type MoreNode, type QueueNode, type StateNode } from './jobNodes';
import { RefreshBatcher } from './refreshBatcher';
import type { WorkerClient } from './workerClient';

/** How long a page fetched by a reveal stands in for asking again. */
const PREFETCH_MS = 1000;
/** A reveal the view did not act on is tried again, up to this many times, after this long. */
const REVEAL_ATTEMPTS = 5;
const REVEAL_WAIT_MS = 1000;

export class JobsTree implements vscode.TreeDataProvider<JobsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<JobsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  // Stable objects: VS Code finds the element to refresh by identity.
  private readonly queueNodes = new Map<string, QueueNode>();
  private readonly stateNodes = new Map<string, StateNode>();
  /** Which slice of its (filtered, sorted) list each state shows: grows with "Load more…", moves to a job Find reveals. */
  private readonly windows = new Map<string, { offset: number; limit: number }>();
  /** Waiters for the next children handed to the view (a reveal retrying). */
  private onServed: (() => void)[] = [];
  /** A page revealJob fetched, for the getChildren its refresh causes. */
  private prefetched?: { key: string; page: WireJobPage; at: number };
  /** The filter and sort of each state node. */
  readonly views = new StateViews();

  private view?: vscode.TreeView<JobsNode>;
  private readonly batcher = new RefreshBatcher<QueueNode>(
    (nodes) => this.fireRefresh(nodes),
    () => this.view !== undefined && !this.view.visible,
  );
  private readonly disposables: vscode.Disposable[] = [this.batcher];

  constructor(
    private readonly worker: WorkerClient,
    private readonly queuePaths: () => string[],
    private readonly pageSize: () => number,
  ) {
    this.disposables.push(
      worker.onDidChangeQueues((queues) => this.onSummaries(queues)),
      // A restarted worker may have missed changes: fetch it all again.
      worker.onDidBecomeReady(() => this.refresh()),
      this.views,
      this.views.onDidChange(({ queue, state }) => {
        // A new filter or sort starts from its first page.
        this.windows.delete(keyOf(queue, state));
        const node = this.stateNodes.get(keyOf(queue, state));
        if (node) {
          node.view = this.views.get(queue, state);
          node.matched = undefined;
          this.emitter.fire(node);
        }
      }),
    );
  }

  /** Hooks visibility so hidden views cost nothing and catch up when shown. */
  attach(view: vscode.TreeView<JobsNode>): void {
    this.view = view;
    this.disposables.push(
      view.onDidChangeVisibility(({ visible }) => {
        if (visible) this.batcher.shown();
      }),
    );
  }

  /** Everything again from the worker (the Refresh button, a restart, settings). */
  refresh(): void {
    this.batcher.everything(true);
  }

  loadMore(node: MoreNode): void {
    const state = node.parent;
    const key = keyOf(state.parent.path, state.state);
    const w = this.windowOf(key);
    const page = this.pageSize();
    // "Show earlier…" grows the window upwards, keeping what is shown; "Load more…" downwards.
    if (node.before) this.windows.set(key, { offset: Math.max(0, w.offset - page), limit: w.limit + Math.min(page, w.offset) });
    else this.windows.set(key, { offset: w.offset, limit: w.limit + page });
    this.emitter.fire(state);
  }

  /**
   * Shows the job in its state's list and selects it: the page that holds it is fetched
   * (under the node's filter and sort; a filter that hides the job is cleared), and the
   * tree reveals it. Resolves the job's node, or undefined when it is no longer there.
   */
  async revealJob(queue: string, state: WireJobState, id: string): Promise<JobNode | undefined> {
    // The queue's node as shown, when it is: asking the worker for every summary again costs a round trip.
    let queueNode = this.queueNodes.get(queue);
    if (!queueNode?.summary.counts) queueNode = (await this.queueChildren()).find((q) => q.path === queue);
    if (!queueNode?.summary.counts) return undefined;
    const stateNode = this.stateChildren(queueNode).find((s) => s.state === state);
    if (!stateNode) return undefined;
    const key = keyOf(queue, state);
    const limit = this.pageSize();
    let page = await this.worker.jobs(this.jobsParams(stateNode, 0, limit, id));
    if (page.index === -1 && hasFilter(stateNode.view)) {
      this.views.clearFilter(queue, state);
      void vscode.window.showInformationMessage(vscode.l10n.t('The filter on {0} hid the job, so it was cleared.', state.toLowerCase()));
      page = await this.worker.jobs(this.jobsParams(stateNode, 0, limit, id));
    }
    const job = page.jobs.find((j) => j.id === id);
    if (page.index === undefined || page.index < 0 || !job) return undefined;
    const w = this.windowOf(key);
    if (page.index < w.offset || page.index >= w.offset + w.limit) {
      this.windows.set(key, { offset: page.offset, limit });
      // The page is in hand: the tree's next getChildren of this state takes it instead of asking again.
      this.prefetched = { key, page, at: Date.now() };
    }
    stateNode.count = Math.max(stateNode.count, page.unfiltered ?? page.total);
    this.emitter.fire(stateNode);
    const node: JobNode = { kind: 'job', parent: stateNode, job };
    if (this.view) await this.selected(this.view, node);
    return node;
  }

  /** Opens a state's list in the view (a new filter or sort shows its first page at once). */
  async expand(state: StateNode): Promise<void> {
    this.batcher.flushNow();
    await this.view?.reveal(state, { select: false, focus: false, expand: true });
  }

  getTreeItem(node: JobsNode): vscode.TreeItem {
    return treeItemOf(node);
  }

  getParent(node: JobsNode): JobsNode | undefined {
    return node.kind === 'queue' ? undefined : node.parent;
  }

  async getChildren(node?: JobsNode): Promise<JobsNode[]> {
    const children = await this.childrenOf(node);
    for (const served of this.onServed.splice(0)) served();
    return children;
  }

  private async childrenOf(node?: JobsNode): Promise<JobsNode[]> {
    if (!node) return this.queueChildren();
    if (node.kind === 'queue') return this.stateChildren(node);
    if (node.kind === 'state') return this.jobChildren(node);
    return [];
  }

  private async queueChildren(): Promise<QueueNode[]> {
    const paths = this.queuePaths();
    if (paths.length === 0) return []; // the welcome view's "Add Queue Folder…" shows
    let summaries: readonly QueueSummary[];
    try {
      summaries = await this.worker.fetchQueues();
    } catch (err) {
      // Worker (re)starting: show what we last knew; onDidBecomeReady refreshes.
      summaries = this.worker.queues;
    }
    const byPath = new Map(summaries.map((s) => [s.path, s]));
    return paths.map((p) => this.queueNode(byPath.get(p) ?? { path: p, watching: false, error: 'waiting for the worker…' }));
  }

  private stateChildren(queue: QueueNode): StateNode[] {
    const counts = queue.summary.counts;
    if (!counts) return [];
    return JOB_STATES.map((state) => this.stateNode(queue, state, counts[state]));
  }

  private async jobChildren(state: StateNode): Promise<Array<JobNode | MoreNode>> {
    const key = keyOf(state.parent.path, state.state);
    const { offset, limit } = this.windowOf(key);
    const pre = this.prefetched;
    this.prefetched = undefined;
    const fresh = pre && pre.key === key && pre.page.offset === offset && pre.page.jobs.length <= limit && Date.now() - pre.at < PREFETCH_MS;
    const page = fresh ? pre.page : await this.worker.jobs(this.jobsParams(state, offset, limit));
    // Fresher than the last summary.
    state.count = page.unfiltered ?? page.total;
    const matched = hasFilter(state.view) ? page.total : undefined;
    if (matched !== state.matched) {
      state.matched = matched;
      // The node's own label ("3 of 1,204") changed: redraw it once the children are in.
      setTimeout(() => this.emitter.fire(state), 0);
    }
    const children: Array<JobNode | MoreNode> = page.jobs.map((job) => ({ kind: 'job', parent: state, job }));
    if (page.offset > 0) children.unshift({ kind: 'more', parent: state, shown: page.offset, before: true });
    if (page.offset + page.jobs.length < page.total) children.push({ kind: 'more', parent: state, shown: page.offset + page.jobs.length });
    return children;
  }

  /**
   * Reveals and selects `node`; resolves once the view reports it selected. VS Code's reveal
   * answers before the selection is reported, and silently does nothing when the view has not
   * yet taken a refresh that shows the node's queue or page (its ordering of reveals after
   * refreshes misses one fired while an earlier refresh is still under way): so reveal again,
   * once the view has asked for children anew, until the selection comes.
   */
  private async selected(view: vscode.TreeView<JobsNode>, node: JobNode): Promise<void> {
    const isIt = (sel: readonly JobsNode[]) => sel.some((n) => n.kind === 'job' && n.job.id === node.job.id);
    // A refresh our batching still holds would otherwise reach the view after the reveal.
    this.batcher.flushNow();
    for (let attempt = 1; ; attempt++) {
      const reported = selectionOf(view, isIt, REVEAL_WAIT_MS);
      const served = new Promise<void>((resolve) => {
        this.onServed.push(resolve);
        setTimeout(resolve, REVEAL_WAIT_MS).unref?.();
      });
      try {
        await view.reveal(node, { select: true, focus: true, expand: true });
      } catch (err) {
        if (attempt >= REVEAL_ATTEMPTS) throw err;
      }
      if (isIt(view.selection) || (await reported) || attempt >= REVEAL_ATTEMPTS) return;
      await served;
    }
  }

  private jobsParams(state: StateNode, offset: number, limit: number, around?: string): JobsParams {
    const { filter, sort, order } = state.view;
    return { queue: state.parent.path, state: state.state, offset, limit, order, sort, filter: hasFilter(state.view) ? filter : undefined, around };
  }

  private windowOf(key: string): { offset: number; limit: number } {
    return this.windows.get(key) ?? { offset: 0, limit: this.pageSize() };
  }

  private queueNode(summary: QueueSummary): QueueNode {
    let node = this.queueNodes.get(summary.path);
    if (!node) this.queueNodes.set(summary.path, (node = { kind: 'queue', path: summary.path, summary }));
    node.summary = summary;
    return node;
  }

  private stateNode(queue: QueueNode, state: WireJobState, count: number): StateNode {
    const key = keyOf(queue.path, state);
    let node = this.stateNodes.get(key);
    if (!node || node.parent !== queue)
      this.stateNodes.set(key, (node = { kind: 'state', parent: queue, state, count, view: this.views.get(queue.path, state) }));
    node.count = count;
    return node;
  }

  private onSummaries(summaries: readonly QueueSummary[]): void {
    const changed: QueueNode[] = [];
    for (const s of summaries) {
      const node = this.queueNodes.get(s.path);
      if (!node) continue; // not shown yet: the next root refresh builds it
      if (sameSummary(node.summary, s)) continue;
      // A queue that gained or lost its error changes shape; its node refresh covers that.
      node.summary = s;
      changed.push(node);
    }
    const configured = this.queuePaths();
    if (configured.length !== this.queueNodes.size || configured.some((p) => !this.queueNodes.has(p))) this.batcher.everything(false);
    else this.batcher.nodes(changed);
  }

  private fireRefresh(nodes: ReadonlySet<QueueNode> | undefined): void {
    if (nodes) {
      for (const node of nodes) this.emitter.fire(node);
      return;
    }
    // Forget nodes of queues that went away; the root's getChildren rebuilds the rest.
    const configured = new Set(this.queuePaths());
    for (const p of this.queueNodes.keys()) if (!configured.has(p)) this.queueNodes.delete(p);
    for (const [k, s] of this.stateNodes) if (!configured.has(s.parent.path)) this.stateNodes.delete(k);
    this.emitter.fire(undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}

function keyOf(queue: string, state: WireJobState): string {
  return `${queue}\0${state}`;
}

function sameSummary(a: QueueSummary, b: QueueSummary): boolean {
  if (a.error !== b.error || a.watching !== b.watching) return false;
  // Paused, consumers and progress change what the queue and its running jobs show.
  if (a.paused !== b.paused || a.consumers !== b.consumers || a.progress !== b.progress) return false;
  if (!a.counts || !b.counts) return a.counts === b.counts;
  return JOB_STATES.every((s) => a.counts![s] === b.counts![s]);
}

/** Resolves true when the view reports a selection `isIt` accepts, false after `ms`. */
function selectionOf(view: vscode.TreeView<JobsNode>, isIt: (sel: readonly JobsNode[]) => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(false);
    }, ms);
    const sub = view.onDidChangeSelection((e) => {
      if (!isIt(e.selection)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(true);
    });
  });
}
