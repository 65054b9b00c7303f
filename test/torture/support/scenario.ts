import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { exitOf } from '../../support/processes';

/**
 * Runs a scenario script that must be set up by a wrapper command (unshare into its own
 * mount or PID namespace, say) and reports what it saw as one JSON document on stdout.
 * Asserts it exited 0 (showing its stderr if not) and returns the parsed report.
 */
export async function runScenario<T>(t: TestContext, command: string, args: string[]): Promise<T> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exit = await exitOf(child);
  assert.equal(exit.code, 0, `scenario failed: ${err}`);
  return JSON.parse(out) as T;
}
