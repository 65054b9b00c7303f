// The extension as users get it: `npm run package` makes pacchettino.vsix, a fresh
// code-server installs it with --install-extension (no development path anywhere), and a
// headless browser sees its Jobs view list a queue and a consumer task from tasks.json
// run the installed bundle's CLI over the queue's jobs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launcher } from './runInCodeServer';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Bounded polling of the queue folder: the task's work shows nowhere else the test can wait on. */
async function untilFiles(dir: string, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((fs.existsSync(dir) ? fs.readdirSync(dir).length : 0) < n) {
    if (Date.now() > deadline) throw new Error(`${dir} has not ${n} entries within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the packaged .vsix, installed into a fresh code-server, shows its queue and runs a consumer task', { timeout: 300_000 }, async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-vsix-'));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  const vsix = path.join(base, 'pacchettino.vsix');
  execFileSync('npm', ['run', '--silent', 'package', '--', '-o', vsix], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.ok(fs.statSync(vsix).size > 10_000, 'a .vsix was made');

  // A workspace as a user has it: a queue with two jobs, a handler, a consumer task.
  const ws = path.join(base, 'ws');
  const inbox = path.join(ws, 'queues', 'inbox');
  const cli = path.join(ROOT, 'dist', 'cli.js');
  for (const text of ['one', 'two']) execFileSync(process.execPath, [cli, 'send', inbox, '--data', text]);
  fs.mkdirSync(path.join(ws, '.vscode'));
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'pacchettino.queues': ['queues/inbox'] }));
  // The handler records the consumer that ran it ($PPID is sh -c's parent, the CLI).
  const ranBy = path.join(ws, 'ran-by.txt');
  fs.writeFileSync(
    path.join(ws, '.vscode', 'tasks.json'),
    JSON.stringify({
      version: '2.0.0',
      tasks: [
        {
          label: 'Consume inbox once',
          type: 'pacchettino',
          queue: 'queues/inbox',
          command: `tr '\\0' ' ' < /proc/$PPID/cmdline >> ${ranBy}; echo >> ${ranBy}`,
          once: true,
        },
      ],
    }),
  );

  const { startWorkbench } = await launcher();
  const wb = await startWorkbench({ workspaceFolder: ws, installExtensions: [vsix], settings: { 'terminal.integrated.gpuAcceleration': 'off' } });
  try {
    const installed = fs.readdirSync(wb.extensionsDir).filter((d) => d.startsWith('pacchettino.pacchettino-vscode-'));
    assert.equal(installed.length, 1, `installed in the fresh extensions dir: ${fs.readdirSync(wb.extensionsDir).join(', ')}`);
    assert.doesNotMatch(wb.url, /extensionDevelopmentPath/, 'no development path');
    const page = wb.page;
    const row = (name: RegExp) => page.getByRole('treeitem', { name }).first();

    await page.locator('.activitybar [aria-label^="Pacchettino"]').first().click({ timeout: 120_000 });
    await row(/^Queued: 2 · .*inbox$/).waitFor({ timeout: 60_000 });

    await wb.runTask('Consume inbox once');

    await untilFiles(path.join(inbox, 'success'), 2, 60_000);
    await row(/^Success: 2 · .*inbox$/).waitFor({ timeout: 30_000 });
    const consumers = fs.readFileSync(ranBy, 'utf8').trim().split('\n');
    assert.equal(consumers.length, 2);
    for (const c of consumers) assert.ok(c.includes(path.join(wb.extensionsDir, installed[0], 'dist', 'cli.js')), `the installed CLI ran it: ${c}`);
  } catch (e) {
    await wb.page.screenshot({ path: path.join(os.tmpdir(), 'pacchettino-vsix-test.png') }).catch(() => undefined);
    throw e;
  } finally {
    await wb.dispose();
  }
});
