/**
 * A fixture process that announces itself with one JSON line, then waits for "go" on
 * stdin: the gap in which a test arms strace on it (see killAtSyscall.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { TestContext } from 'node:test';
import { exitOf } from '../../support/processes';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

export class SteppedChild<Ready> {
  /** Every JSON line printed so far, the ready line first. */
  readonly lines: unknown[] = [];
  stderr = '';
  readonly child: ChildProcess;

  private constructor(script: string, spec: unknown) {
    this.child = spawn(process.execPath, [path.join(FIXTURES, script), JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    readline.createInterface({ input: this.child.stdout! }).on('line', (l) => this.lines.push(JSON.parse(l)));
  }

  /** Starts `fixtures/<script>` with the spec as its argument; resolves once it printed its ready line. */
  static async start<Ready>(t: TestContext, script: string, spec: unknown): Promise<SteppedChild<Ready>> {
    const sc = new SteppedChild<Ready>(script, spec);
    t.after(() => {
      if (sc.child.exitCode === null && sc.child.signalCode === null) sc.child.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      const rl = readline.createInterface({ input: sc.child.stdout! });
      rl.once('line', () => resolve());
      sc.child.once('exit', (code, signal) => reject(new Error(`${script} exited (${code ?? signal}) before it was ready: ${sc.stderr}`)));
    });
    return sc;
  }

  get ready(): Ready {
    return this.lines[0] as Ready;
  }

  get pid(): number {
    return this.child.pid!;
  }

  go(): void {
    this.child.stdin!.write('go\n');
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return exitOf(this.child);
  }
}
