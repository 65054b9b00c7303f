// The background worker, started and restarted by vscode-languageclient, and
// the typed requests the UI sends it. The client never reads queue folders:
// everything it shows or changes goes through here.
import * as vscode from 'vscode';
import {
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type RequestParam,
  type RequestType,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  DiscoverQueuesRequest,
  FindJobRequest,
  FolderContentsRequest,
  type FolderContents,
  MatchingIdsRequest,
  PromoteRequest,
  type FindJobParams,
  type FindJobResult,
  type MatchingIdsParams,
  type PromoteParams,
  ChangedNotification,
  CleanupRequest,
  ConfigureRequest,
  DeleteRequest,
  EnqueueDataRequest,
  EnqueueFilesRequest,
  EnqueueProgressNotification,
  JobRequest,
  JobsRequest,
  QueuesRequest,
  RequeueRequest,
  type CleanupParams,
  type CountResult,
  type DeleteParams,
  type EnqueueDataParams,
  type EnqueueFilesParams,
  type EnqueueProgressParams,
  type EnqueueResult,
  type JobParams,
  type JobsParams,
  type QueueSummary,
  type RequeueParams,
  type WireJobDetails,
  type WireJobPage,
  type WorkerSettings,
} from '@pacchettino/shared';

export class WorkerClient implements vscode.Disposable {
  private readonly client: LanguageClient;
  private readonly changed = new vscode.EventEmitter<readonly QueueSummary[]>();
  private readonly ready = new vscode.EventEmitter<number | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Every configured queue's last summary, in the settings' order. */
  private latest = new Map<string, QueueSummary>();

  /** All queues' summaries, after each push (the worker's pushes carry only the queues that changed). */
  readonly onDidChangeQueues = this.changed.event;
  /**
   * Fires each time a worker process is up and configured: at start and after
   * every restart (a crashed worker forgot the queues it watched). Gives its pid.
   */
  readonly onDidBecomeReady = this.ready.event;
  private readonly enqueueProgress = new vscode.EventEmitter<EnqueueProgressParams>();
  /** How far an enqueueFiles request's copy has come (see EnqueueFilesParams.progressToken). */
  readonly onDidReportEnqueueProgress = this.enqueueProgress.event;

  constructor(
    workerModule: string,
    outputChannel: vscode.LogOutputChannel,
    private readonly settings: () => WorkerSettings,
  ) {
    const serverOptions: ServerOptions = {
      run: { module: workerModule, transport: TransportKind.ipc },
      debug: { module: workerModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      // No documents: the worker watches folders, not editors.
      documentSelector: [],
      outputChannel,
      // Read at each (re)start, so a restarted worker knows its queues before the first request.
      initializationOptions: () => this.settings(),
      // The default error handler restarts a worker that dies (up to 4 times in 3 minutes).
    };
    this.client = new LanguageClient('pacchettino', 'Pacchettino Worker', serverOptions, clientOptions);
    this.disposables.push(
      this.client.onNotification(ChangedNotification.type, ({ queues }) => this.publish(queues, false)),
      this.client.onNotification(EnqueueProgressNotification.type, (p) => this.enqueueProgress.fire(p)),
      this.enqueueProgress,
      this.client.onDidChangeState(({ newState }) => {
        if (newState === State.Running) void this.configureAfterStart();
      }),
    );
  }

  start(): Promise<void> {
    return this.client.start();
  }

  get isRunning(): boolean {
    return this.client.state === State.Running;
  }

  /** The worker's process id, while it runs (for the tests and the output channel). */
  get pid(): number | undefined {
    return this.isRunning ? this.client.serverProcess?.pid : undefined;
  }

  /** Last summaries received (from configure, a queues request or a notification). */
  get queues(): readonly QueueSummary[] {
    return [...this.latest.values()];
  }

  /** Tells the worker which queues to watch; answers their summaries. */
  async configure(): Promise<QueueSummary[]> {
    const queues = await this.client.sendRequest(ConfigureRequest.type, this.settings());
    this.publish(queues, true);
    return queues;
  }

  async fetchQueues(): Promise<QueueSummary[]> {
    const queues = await this.client.sendRequest(QueuesRequest.type);
    this.publish(queues, true);
    return queues;
  }

  jobs(params: JobsParams): Promise<WireJobPage> {
    return this.client.sendRequest(JobsRequest.type, params);
  }

  job(params: JobParams): Promise<WireJobDetails | null> {
    return this.client.sendRequest(JobRequest.type, params);
  }

  /** Cancelling `token` stops the worker's copy in hand; the reply then says `cancelled`. */
  enqueueFiles(params: EnqueueFilesParams, token?: vscode.CancellationToken): Promise<EnqueueResult> {
    return this.client.sendRequest(EnqueueFilesRequest.type, params, token);
  }

  enqueueData(params: EnqueueDataParams): Promise<EnqueueResult> {
    return this.client.sendRequest(EnqueueDataRequest.type, params);
  }

  requeue(params: RequeueParams): Promise<CountResult> {
    return this.client.sendRequest(RequeueRequest.type, params);
  }

  delete(params: DeleteParams): Promise<CountResult> {
    return this.client.sendRequest(DeleteRequest.type, params);
  }

  cleanup(params: CleanupParams): Promise<CountResult> {
    return this.client.sendRequest(CleanupRequest.type, params);
  }

  /** Any request of the protocol, typed by its RequestType (the live operations use this one door). */
  request<P, R>(type: RequestType<P, R, void>, params: RequestParam<P>): Promise<R> {
    return this.client.sendRequest(type, params);
  }

  /** A summary the worker answered a request with: shown at once, before its notification. */
  update(summary: QueueSummary): void {
    this.publish([summary], false);
  }

  findJob(params: FindJobParams): Promise<FindJobResult> {
    return this.client.sendRequest(FindJobRequest.type, params);
  }

  matchingIds(params: MatchingIdsParams): Promise<{ ids: string[] }> {
    return this.client.sendRequest(MatchingIdsRequest.type, params);
  }

  promote(params: PromoteParams): Promise<CountResult> {
    return this.client.sendRequest(PromoteRequest.type, params);
  }

  /** Folders under `roots` that are queues; the worker walks them off its request loop. */
  discoverQueues(roots: string[]): Promise<{ queues: string[] }> {
    return this.client.sendRequest(DiscoverQueuesRequest.type, { roots });
  }

  /** What a folder holds (missing, a file, a queue, other files), before it is added as a queue. */
  folderContents(path: string): Promise<FolderContents> {
    return this.client.sendRequest(FolderContentsRequest.type, { path });
  }

  /** `all`: the worker's full list (configure, queues); else the changed ones of a push. */
  private publish(queues: QueueSummary[], all: boolean): void {
    if (all) this.latest = new Map(queues.map((q) => [q.path, q]));
    // A push about a queue no longer configured (in flight while reconfiguring) is dropped.
    else for (const q of queues) if (this.latest.has(q.path)) this.latest.set(q.path, q);
    this.changed.fire(this.queues);
  }

  private async configureAfterStart(): Promise<void> {
    try {
      await this.configure();
      this.ready.fire(this.pid);
    } catch (err) {
      // A worker that dies while being configured is restarted, and configured again then.
      this.client.error('Configuring the worker failed', err);
    }
  }

  async dispose(): Promise<void> {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.ready.dispose();
    // stop() asks the worker to shut down and exit, so no worker outlives the window.
    if (this.client.needsStop()) await this.client.stop(2000).catch(() => undefined);
  }
}
