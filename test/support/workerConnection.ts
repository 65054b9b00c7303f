import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { stagedForUser } from './stagedForUser';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import {
  IPCMessageReader,
  IPCMessageWriter,
  InitializeRequest,
  InitializedNotification,
  LogMessageNotification,
  createProtocolConnection,
  type InitializeResult,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type { ChangedParams, QueueSummary, WorkerSettings } from '@pacchettino/shared';
import * as protocol from '@pacchettino/shared';

/**
 * The compiled worker. PACCHETTINO_WORKER=dist/worker.js runs the same tests against the
 * esbuild bundle the extension ships.
 */
export const WORKER_MAIN = path.resolve(process.env.PACCHETTINO_WORKER || require.resolve('@pacchettino/worker'));

const DEFAULT_TIMEOUT_MS = 10_000;

export interface RawReply {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * A worker process and a JSON-RPC connection to it, made exactly as vscode-languageclient
 * makes them for TransportKind.ipc: fork with `--node-ipc --clientProcessId=<pid>`, then
 * IPCMessageReader/Writer on the child. Every ChangedNotification and log line is kept.
 */
export class WorkerConnection {
  readonly changes: ChangedParams[] = [];
  readonly logs: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly changeWaiters = new Set<() => void>();
  private rawId = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly rpc: ProtocolConnection,
    /** The pid the worker watches as its client (--clientProcessId and initialize's processId). */
    readonly clientPid: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    rpc.onNotification(protocol.ChangedNotification.type, (p) => {
      this.changes.push(p);
      for (const w of [...this.changeWaiters]) w();
    });
    rpc.onNotification(LogMessageNotification.type, (p) => {
      this.logs.push(p.message);
    });
    rpc.listen();
  }

  /** Starts a worker and sends initialize/initialized; killed when the test ends. */
  static async start(t: TestContext, initializationOptions?: WorkerSettings, opts: { asUser?: number } = {}): Promise<WorkerConnection> {
    // asUser: uid and gid to run as (needs root), for permission errors that root never sees.
    const ids = opts.asUser === undefined ? {} : { uid: opts.asUser, gid: opts.asUser };
    // Another user may not reach the checkout (a private home): it runs a staged bundle.
    const main = opts.asUser === undefined ? WORKER_MAIN : stagedForUser(WORKER_MAIN);
    const clientPid = await clientProcessFor(t, opts.asUser);
    const child = fork(main, ['--node-ipc', `--clientProcessId=${clientPid}`], { execArgv: [], silent: true, ...ids });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const rpc = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const w = new WorkerConnection(child, rpc, clientPid);
    t.after(async () => {
      rpc.dispose();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await w.exited;
      }
      if (stderr) t.diagnostic(`worker stderr: ${stderr}`);
    });
    await w.initialize(initializationOptions);
    return w;
  }

  async initialize(initializationOptions?: WorkerSettings): Promise<InitializeResult> {
    const result = await this.rpc.sendRequest(InitializeRequest.type, {
      processId: this.clientPid,
      rootUri: null,
      capabilities: {},
      initializationOptions,
    });
    await this.rpc.sendNotification(InitializedNotification.type, {});
    return result;
  }

  /**
   * Resolves with the first ChangedNotification at index >= `since` that `match` accepts,
   * as soon as it arrives. Take `since = changes.length` before acting, so a notification
   * from earlier never counts.
   */
  waitForChange(match: (c: ChangedParams) => boolean, since = 0, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ChangedParams> {
    return new Promise((resolve, reject) => {
      let seen = since;
      const look = (): boolean => {
        for (; seen < this.changes.length; seen++) {
          if (match(this.changes[seen])) {
            done();
            resolve(this.changes[seen]);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching ChangedNotification within ${timeoutMs} ms; got ${JSON.stringify(this.changes.slice(since))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.changeWaiters.delete(look);
      };
      this.changeWaiters.add(look);
      look();
    });
  }

  /** Waits for a notification about `queue` whose summary `match` accepts; returns that summary. */
  async waitForSummary(queue: string, match: (s: QueueSummary) => boolean, since = 0, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<QueueSummary> {
    const change = await this.waitForChange((c) => c.queues.some((s) => s.path === queue && match(s)), since, timeoutMs);
    return change.queues.find((s) => s.path === queue && match(s))!;
  }

  /**
   * Sends a request as raw JSON-RPC on the IPC channel, params exactly as given (omitted when
   * undefined): for what the typed connection refuses to send (null, strings, positional arrays).
   */
  raw(method: string, params?: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RawReply> {
    const id = `raw-${++this.rawId}`;
    return new Promise((resolve, reject) => {
      const onMessage = (msg: { id?: unknown; result?: unknown; error?: RawReply['error'] }) => {
        if (msg?.id !== id) return;
        finish();
        resolve({ result: msg.result, error: msg.error });
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no reply to raw ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
      };
      this.child.on('message', onMessage);
      const message: Record<string, unknown> = { jsonrpc: '2.0', id, method };
      if (params !== undefined) message.params = params;
      this.child.send(message);
    });
  }

  /** SIGKILL, as a crash would: no shutdown, no cleanup. Resolves once the process is gone. */
  async crash(): Promise<void> {
    this.rpc.dispose();
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * The process a worker watches as its client: the test runner itself, or, for a worker run
 * as another user, a stand-in process of that user. vscode-languageserver polls its client
 * with kill(pid, 0) every 3 s and exits on any error, EPERM included, so a worker of user
 * nobody watching a root test runner exits 3 s into the test. (VS Code and its worker always
 * run as one user.) The stand-in is `cat` on a pipe from us: it dies with the test runner
 * even if that is killed, and is killed when the test ends.
 */
export async function clientProcessFor(t: TestContext, uid?: number): Promise<number> {
  if (uid === undefined) return process.pid;
  const standIn = spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] });
  await once(standIn, 'spawn');
  t.after(() => {
    if (standIn.exitCode === null && standIn.signalCode === null) standIn.kill('SIGKILL');
  });
  return standIn.pid!;
}

/** The summary of `queue` in a notification or a reply, if it is there. */
export function summaryOf(summaries: QueueSummary[], queue: string): QueueSummary | undefined {
  return summaries.find((s) => s.path === queue);
}

/** Worker settings for tests: every finished state kept, no periodic sweep during a test. */
export function settingsFor(queues: string[], extra: Partial<WorkerSettings> = {}): WorkerSettings {
  return { queues, keep: ['SUCCESS', 'FAILED', 'INTERRUPTED'], recoveryInterval: 3600, ...extra };
}
