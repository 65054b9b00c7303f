/**
 * A queue driven in another real process (optionally behind a command prefix such as
 * `unshare ...` or `setpriv ...`). The child (queueProcessMain.js) opens a Pacchettino and
 * takes JSON commands on stdin; it answers and reports events as JSON lines on stdout.
 * Handlers run in the child: 'success', 'fail', or 'block' (until a `release` command,
 * or forever: the way to have a consumer killed mid-job).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stagedForUser } from './stagedForUser';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { TestContext } from 'node:test';
import type { QueueOptions } from 'pacchettino';
import * as fs from 'node:fs';
import { childPids, exitOf } from './processes';

const NODE_EXE = fs.realpathSync(process.execPath);

function isNode(pid: number): boolean {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`) === NODE_EXE;
  } catch {
    return false;
  }
}

export type HandlerMode = 'success' | 'fail' | 'block';

export type Command =
  | { op: 'send'; data?: string; file?: string; count?: number; delay?: number; move?: boolean }
  | { op: 'receiveOne'; timeout?: number; randomize?: boolean; handler?: HandlerMode }
  | { op: 'release'; result: 'SUCCESS' | 'FAILED' | 'RETRY' }
  | { op: 'recover' }
  | { op: 'startThreads'; threads: number; logDir: string }
  | { op: 'drainThreads' }
  | { op: 'close' };

/** What `send` answers: the ids, and Date.now() taken just before the first send began. */
export interface Sent {
  ids: string[];
  startedAt: number;
}

export type ChildEvent = { ev: 'ready'; pid: number } | { ev: 'running'; id: string; name: string; path: string; attempt: number; at: number };

export type Reply = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: { name: string; code?: string; message: string } };

export interface QueueProcessOptions {
  queue: string;
  options?: QueueOptions;
  /** A command the node child runs under, e.g. ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child']. */
  prefix?: string[];
}

/** An error the child's queue raised, with the QueueError code when it had one. */
export class ChildQueueError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export class QueueProcess {
  /** The pid node itself reports: in another PID namespace it differs from the host's. */
  pid = 0;
  stderr = '';
  private seq = 0;
  private readonly requests: Promise<unknown>[] = [];
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly events: ChildEvent[] = [];
  private readonly eventWaiters: { match(e: ChildEvent): boolean; resolve(e: ChildEvent): void }[] = [];

  private constructor(
    readonly child: ChildProcess,
    private readonly prefixed: boolean,
  ) {}

  static async start(t: TestContext, opts: QueueProcessOptions): Promise<QueueProcess> {
    const main = path.join(__dirname, 'queueProcessMain.js');
    // Run as another user (setpriv), it may not reach the checkout: a staged bundle then.
    const entry = opts.prefix?.[0] === 'setpriv' ? stagedForUser(main) : main;
    const argv = [process.execPath, entry, JSON.stringify({ queue: opts.queue, options: opts.options })];
    const [cmd, ...args] = [...(opts.prefix ?? []), ...argv];
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const qp = new QueueProcess(child, (opts.prefix ?? []).length > 0);
    t.after(() => qp.kill('SIGKILL'));
    child.stderr.on('data', (b: Buffer) => (qp.stderr += b.toString()));
    readline.createInterface({ input: child.stdout }).on('line', (line) => qp.onLine(line));
    child.once('exit', (code, signal) => {
      for (const p of qp.pending.values()) p.reject(new Error(`queue process exited (${code ?? signal}) with a request pending: ${qp.stderr}`));
      qp.pending.clear();
    });
    const ready = await Promise.race([qp.nextEvent('ready'), exitOf(child).then((e) => e)]);
    if (!('ev' in ready)) throw new Error(`queue process exited (${ready.code ?? ready.signal}) before it was ready: ${qp.stderr}`);
    qp.pid = ready.pid;
    return qp;
  }

  /**
   * The host pid of the node child: the spawned pid itself when the prefix exec'd into node
   * (setpriv), else the prefix's node child (unshare --fork, strace).
   */
  hostPid(): number {
    const pid = this.child.pid!;
    if (!this.prefixed || isNode(pid)) return pid;
    const kids = childPids(pid).filter(isNode);
    if (kids.length !== 1) throw new Error(`expected one node child of ${pid}, found ${kids.join(',') || 'none'}`);
    return kids[0];
  }

  request<T = unknown>(cmd: Command): Promise<T> {
    const seq = ++this.seq;
    const answer = new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify({ seq, ...cmd })}\n`);
    });
    this.requests.push(answer);
    return answer;
  }

  send(cmd: Omit<Extract<Command, { op: 'send' }>, 'op'>): Promise<Sent> {
    return this.request<Sent>({ op: 'send', ...cmd });
  }

  /** The next event of that kind not yet taken (events are kept until asked for). */
  nextEvent<K extends ChildEvent['ev']>(ev: K): Promise<Extract<ChildEvent, { ev: K }>> {
    const match = (e: ChildEvent) => e.ev === ev;
    const i = this.events.findIndex(match);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0] as Extract<ChildEvent, { ev: K }>);
    return new Promise((resolve) => this.eventWaiters.push({ match, resolve: resolve as (e: ChildEvent) => void }));
  }

  /** Closes the queue, ends stdin (the child exits on its own) and resolves once it has exited. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.request({ op: 'close' });
    this.child.stdin!.end();
    await exitOf(this.child);
  }

  /** Kills the process (SIGKILL by default, as a crash) and resolves once it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    // Requests cut short by the kill still reject for whoever awaits them, but are not
    // "unhandled" when a test that failed half way never got to await them.
    for (const r of this.requests) r.catch(() => undefined);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    // Kill node itself: under `unshare --fork` it is PID 1 of its namespace, and its death takes the namespace down.
    let target: number | undefined;
    try {
      target = this.hostPid();
    } catch {
      target = undefined; // node already gone: stop the prefix itself
    }
    try {
      process.kill(target ?? this.child.pid!, signal);
    } catch {
      /* exited meanwhile */
    }
    await exitOf(this.child);
  }

  private onLine(line: string): void {
    let msg: Reply | ChildEvent;
    try {
      msg = JSON.parse(line) as Reply | ChildEvent;
    } catch {
      return; // not ours (a library printing to stdout): ignore
    }
    if ('seq' in msg) {
      const p = this.pending.get(msg.seq);
      if (!p) return;
      this.pending.delete(msg.seq);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new ChildQueueError(msg.error.message, msg.error.code));
      return;
    }
    const w = this.eventWaiters.findIndex((x) => x.match(msg));
    if (w >= 0) this.eventWaiters.splice(w, 1)[0].resolve(msg);
    else this.events.push(msg);
  }
}
