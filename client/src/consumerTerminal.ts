// The terminal a consumer task runs in: a Pseudoterminal that starts the CLI's `consume` as a
// child process and shows its lines, and also writes each line to the "Pacchettino Consumers"
// output channel. Why both: stopping a task disposes its terminal (VS Code's task system does,
// whatever the execution), so a terminal alone loses the per-job lines the moment the user
// presses Stop, which is exactly when they want to read what ran. The output channel outlives
// the task, keeps every run's lines under the task's name, and is where VS Code users look
// for an extension's logs; the stop notification points there.
import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as vscode from 'vscode';

export interface ConsumerProcess {
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
}

export class ConsumerTerminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;
  private child?: ChildProcess;
  private exited = false;

  constructor(
    private readonly name: string,
    private readonly run: ConsumerProcess,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  open(): void {
    this.output.info(`[${this.name}] started: ${this.run.args.slice(1).join(' ')}`);
    const child = spawn(this.run.command, this.run.args, { cwd: this.run.cwd, env: this.run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    lines(child.stdout, (line) => this.line(line));
    lines(child.stderr, (line) => this.line(line));
    child.on('error', (err) => {
      this.line(`pacchettino: ${err.message}`);
      this.end(1);
    });
    // 'close', not 'exit': the last lines are read by then.
    child.on('close', (code, signal) => this.end(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
  }

  /** Ctrl+C in the terminal: the consumer finishes the jobs in hand, then exits (again: at once), as in a shell. */
  handleInput(data: string): void {
    if (data.includes('\x03') && this.child && !this.exited) {
      this.written.fire('^C\r\n');
      this.child.kill('SIGINT');
    }
  }

  /**
   * The task was stopped (its terminal is being disposed): SIGHUP, as a closed terminal sends,
   * stops the consumer at once and leaves its jobs in hand to the recovery sweep.
   */
  close(): void {
    if (this.exited || !this.child) return;
    this.child.kill('SIGHUP');
    this.output.info(`[${this.name}] stopped by the user; the jobs it held go to interrupted/ at the next recovery sweep`);
    const show = vscode.l10n.t('Show Lines');
    void vscode.window
      .showInformationMessage(vscode.l10n.t('Consumer task "{0}" stopped. Its lines stay readable in the Pacchettino Consumers output.', this.name), show)
      .then((b) => {
        if (b === show) this.output.show(true);
      });
  }

  private line(text: string): void {
    this.written.fire(`${text}\r\n`);
    this.output.info(`[${this.name}] ${text}`);
  }

  private end(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.output.info(`[${this.name}] exited with code ${code}`);
    this.closed.fire(code);
  }
}

/** Calls `each` per line of a stream; a last line without a newline is flushed at the end. */
function lines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split(/\r?\n/);
    rest = parts.pop() ?? '';
    for (const p of parts) each(p);
  });
  stream.on('end', () => {
    if (rest) each(rest);
  });
}
