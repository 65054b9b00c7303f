/**
 * Several machines on this one: simulated hosts that do not share a process table, each
 * seeing the queue through its own mount of a real network file system (fileServer.ts
 * chooses it: sshServer.ts or glusterfs.ts; fuseMount.ts is a host's client of it;
 * docs/SHAREDFS-HARNESS.md says what was measured).
 *
 * - SimHost: a process tree in its own PID and UTS namespaces (`unshare --pid --uts`) with its
 *   own hostname, whose PID 1 (fixtures/hostAgent.ts) starts processes on request. Killing
 *   it kills every process of that host at once.
 * - HostProcess: one process on such a host, the lines it prints and how it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { childPids, exitOf } from '../../support/processes';
import type { HostMount } from './fileServer';

export const AGENT = path.join(__dirname, '..', 'fixtures', 'hostAgent.js');

export { harnessMissing } from './fileServer';

/** A process on a simulated host: the lines it prints, and how it ended. */
export class HostProcess extends EventEmitter {
  readonly lines: string[] = [];
  readonly errLines: string[] = [];
  pid = 0;
  exit: { code: number | null; signal: string | null } | undefined;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;

  constructor(
    readonly host: SimHost,
    readonly id: string,
  ) {
    super();
    this.exited = new Promise((resolve) => this.once('exit', resolve));
  }

  /** Resolves with the first line (so far or to come) of its stdout that `match` accepts. */
  line(match: RegExp, timeoutMs = 30_000): Promise<string> {
    return this.lineOf('line', match, timeoutMs);
  }

  /** The same for its stderr. */
  errLine(match: RegExp, timeoutMs = 30_000): Promise<string> {
    return this.lineOf('errLine', match, timeoutMs);
  }

  private lineOf(event: 'line' | 'errLine', match: RegExp, timeoutMs: number): Promise<string> {
    const seen = (event === 'line' ? this.lines : this.errLines).find((l) => match.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, onLine);
        reject(
          new Error(
            `${this.host.name}/${this.id}: no line matching ${match} within ${timeoutMs} ms; got:\n${this.lines.join('\n')}\n${this.errLines.join('\n')}`,
          ),
        );
      }, timeoutMs);
      const onLine = (l: string) => {
        if (!match.test(l)) return;
        clearTimeout(timer);
        this.off(event, onLine);
        resolve(l);
      };
      this.on(event, onLine);
    });
  }

  signal(sig: NodeJS.Signals): void {
    this.host.send({ op: 'signal', id: this.id, signal: sig });
  }
}

export class SimHost {
  private readonly procs = new Map<string, HostProcess>();
  private next = 0;
  private constructor(
    readonly name: string,
    readonly mount: HostMount,
    private readonly unshare: ChildProcess,
  ) {}

  /** A host named `name` that sees the queue through `mount`; killed when the test ends, before its mount goes. */
  static async start(name: string, mount: HostMount): Promise<SimHost> {
    const unshare = spawn(
      'unshare',
      ['--pid', '--fork', '--mount-proc', '--kill-child', '--uts', 'sh', '-c', `hostname ${name} && exec "$0" "$@"`, process.execPath, AGENT],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const host = new SimHost(name, mount, unshare);
    mount.server.hosts.push(host);
    let err = '';
    unshare.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      unshare.once('exit', (code) => reject(new Error(`host ${name} did not start (${code}): ${err}`)));
      readline.createInterface({ input: unshare.stdout }).on('line', (l) => {
        const msg = JSON.parse(l) as { id: string; ev: string; pid?: number; line?: string; code?: number | null; signal?: string | null };
        if (msg.ev === 'ready') return resolve();
        const p = host.procs.get(msg.id);
        if (!p) return;
        if (msg.ev === 'spawn') p.pid = msg.pid!;
        else if (msg.ev === 'out') {
          p.lines.push(msg.line!);
          p.emit('line', msg.line);
        } else if (msg.ev === 'err') {
          p.errLines.push(msg.line!);
          p.emit('errLine', msg.line);
        } else if (msg.ev === 'exit') {
          p.exit = { code: msg.code ?? null, signal: msg.signal ?? null };
          p.emit('exit', p.exit);
        }
      });
    });
    await ready;
    return host;
  }

  send(msg: object): void {
    this.unshare.stdin!.write(JSON.stringify(msg) + '\n');
  }

  /** Starts `argv` on this host (in its namespaces), with `env` added to the agent's environment. */
  run(argv: string[], env: Record<string, string> = {}): HostProcess {
    const id = `p${this.next++}`;
    const p = new HostProcess(this, id);
    this.procs.set(id, p);
    this.send({ op: 'spawn', id, argv, env });
    return p;
  }

  /** `p`'s pid as this machine's process table knows it (the agent reports its namespace's pids). */
  hostPidOf(p: HostProcess): number {
    const [agent] = childPids(this.unshare.pid!);
    for (const kid of childPids(agent)) {
      const ns = /^NSpid:\s+(.*)$/m
        .exec(fs.readFileSync(`/proc/${kid}/status`, 'utf8'))?.[1]
        .trim()
        .split(/\s+/);
      if (ns && Number(ns[ns.length - 1]) === p.pid) return kid;
    }
    throw new Error(`${this.name}: no process with namespace pid ${p.pid}`);
  }

  /** Our pid of the host's first process: `nsenter -t <it>` enters the host's namespaces (its mounts are its own). */
  get agentPid(): number {
    return childPids(this.unshare.pid!)[0];
  }

  get alive(): boolean {
    return this.unshare.exitCode === null && this.unshare.signalCode === null;
  }

  /** The whole host dies at once: every process in its PID namespace is SIGKILLed by the kernel. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.unshare.kill('SIGKILL'); // --kill-child: our PID 1 gets SIGKILL, and with it the namespace
    await exitOf(this.unshare);
    for (const p of this.procs.values()) if (!p.exit) p.emit('exit', (p.exit = { code: null, signal: 'SIGKILL' }));
  }
}
