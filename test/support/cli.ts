import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { stagedForUser } from './stagedForUser';
import type { Counts, JobDetails, JobPage } from 'pacchettino';

/** The built command line (`npx tsc -b` makes it); tests run it as users do, in a child process. */
/** The installed command, as npm links it: the package's own bin file. */
export const CLI_MAIN = path.join(path.dirname(require.resolve('pacchettino/package.json')), 'bin', 'pacchettino.js');

/** The unprivileged user the permission tests run as (nobody on Debian-like systems). */
export const NOBODY = 65534;

export interface CliOptions {
  cwd?: string;
  /** Extra environment for the CLI (and so for its handlers). */
  env?: NodeJS.ProcessEnv;
  /** Run as this uid/gid with no supplementary groups (needs root): permission errors are only real for a non-root user. */
  asUser?: number;
  /** Kill the CLI and fail after this many ms: a guard against a hung test. */
  timeoutMs?: number;
  /** Written to the CLI's standard input, which is then closed (default: no standard input). */
  input?: string;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;

function commandLine(args: string[], opts: CliOptions): [string, string[]] {
  const node = [process.execPath, CLI_MAIN, ...args];
  if (opts.asUser === undefined) return [node[0], node.slice(1)];
  // Another user may not reach the checkout (a private home): it runs a staged bundle.
  return ['setpriv', [`--reuid=${opts.asUser}`, `--regid=${opts.asUser}`, '--clear-groups', process.execPath, stagedForUser(CLI_MAIN), ...args]];
}

/**
 * A CLI process left running (a consumer): its output is collected as it comes, and
 * tests wait on the lines it prints. It leads its own process group, so the handlers
 * it starts (same group) can be killed with it by `killGroup`.
 */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves when the process has exited and its output is closed. */
  readonly exited: Promise<CliResult>;
  private readonly lineWaiters = new Set<() => void>();

  constructor(args: string[], opts: CliOptions = {}) {
    const [cmd, argv] = commandLine(args, opts);
    this.child = spawn(cmd, argv, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (opts.input !== undefined) this.child.stdin!.end(opts.input);
    const collect = (stream: 'stdout' | 'stderr') => (s: string) => {
      this[stream] += s;
      for (const w of [...this.lineWaiters]) w();
    };
    this.child.stdout!.setEncoding('utf8').on('data', collect('stdout'));
    this.child.stderr!.setEncoding('utf8').on('data', collect('stderr'));
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Complete lines printed so far on stdout (or stderr). */
  lines(stream: 'stdout' | 'stderr' = 'stdout'): string[] {
    const all = this[stream].split('\n');
    all.pop(); // the part after the last newline is not a whole line yet
    return all;
  }

  /**
   * Resolves with the first complete line of `stream` matching `pattern` as soon as it is
   * printed (already printed counts). Rejects if the process ends without it, or on timeout.
   */
  waitForLine(pattern: RegExp, opts: { stream?: 'stdout' | 'stderr'; timeoutMs?: number } = {}): Promise<string> {
    const stream = opts.stream ?? 'stdout';
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const find = () => this.lines(stream).find((l) => pattern.test(l));
    return new Promise((resolve, reject) => {
      let closed = false;
      const look = () => {
        const hit = find();
        if (hit !== undefined) finish(undefined, hit);
        else if (closed) finish(new Error(`the CLI ended without a ${stream} line matching ${pattern}\n${this.transcript()}`));
      };
      const finish = (err: Error | undefined, line?: string) => {
        if (!this.lineWaiters.delete(look)) return;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(line!);
      };
      const timer = setTimeout(
        () => finish(new Error(`timed out after ${timeoutMs} ms waiting for a ${stream} line matching ${pattern}\n${this.transcript()}`)),
        timeoutMs,
      );
      this.lineWaiters.add(look);
      void this.exited.then(() => {
        closed = true;
        look();
      });
      look();
    });
  }

  /** Everything printed so far, for failure messages. */
  transcript(): string {
    return `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }

  /** Sends a signal to the CLI process only. */
  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Sends a signal to the CLI and every process it started (its group); quiet if they are gone. */
  killGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** Resolves with the exit, or kills the whole group and rejects after `timeoutMs`. */
  async exit(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CliResult> {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.killGroup('SIGKILL');
        reject(new Error(`the CLI did not exit within ${timeoutMs} ms\n${this.transcript()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, guard]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Starts the CLI and leaves it running; call `exit()` or `killGroup()` before the test ends. */
export function startCli(args: string[], opts: CliOptions = {}): CliProcess {
  return new CliProcess(args, opts);
}

/**
 * `consume <queue> ...args` left running; it and everything it started (its group: the
 * handlers, what they left behind) are killed when the test ends, pass or fail.
 */
export function startConsumer(t: TestContext, queue: string, args: string[], opts: CliOptions = {}): CliProcess {
  const consumer = new CliProcess(['consume', queue, ...args], opts);
  t.after(() => consumer.killGroup('SIGKILL'));
  return consumer;
}

/** Runs the CLI to its end and returns its exit code and output. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new CliProcess(args, opts).exit(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/** The id `send` printed: alone on the last line of its output. */
export function sentId(r: CliResult): string {
  const lines = r.stdout.trimEnd().split('\n');
  return lines[lines.length - 1];
}

/** What `status <queue> --json` prints. */
export interface QueueStatusJson {
  queue: string;
  counts: Counts;
}

/** `status <queue> --json`'s output, parsed. */
export function queueStatusJson(r: CliResult): QueueStatusJson {
  return JSON.parse(r.stdout) as QueueStatusJson;
}

/**
 * `status <queue> <id> --json`'s output, parsed: the core's JobDetails as it crosses JSON
 * (for an id no state folder holds it is `{ id, state: 'UNKNOWN' }`, which tests compare whole).
 */
export function jobStatusJson(r: CliResult): JobDetails {
  return JSON.parse(r.stdout) as JobDetails;
}

/** `ls <queue> <state> --json`'s output, parsed: the core's JobPage. */
export function jobPageJson(r: CliResult): JobPage {
  return JSON.parse(r.stdout) as JobPage;
}

/** Writes an executable shell script (a handler, say) and returns its path. */
export function writeScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** Writes a `consume --module` handler (CommonJS source) and returns its path. */
export function writeModule(dir: string, name: string, source: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return file;
}

/** Sends each line as a data job with one `send --stdin`, in this order (ids sort by send time); returns the ids. */
export async function sendDataLines(queue: string, lines: string[]): Promise<string[]> {
  const r = await runCli(['send', queue, '--stdin'], { input: lines.join('\n') + '\n' });
  if (r.code !== 0) throw new Error(`send --stdin exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim().split('\n');
}
