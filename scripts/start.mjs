// `npm start`: builds the project (tsc -b and the bundles: a fresh clone has neither),
// makes a demo workspace (two queues with jobs in every state), and opens the extension
// on it in development mode:
//  - desktop VS Code (`code --extensionDevelopmentPath`) when `code` is on PATH;
//  - otherwise code-server, the VS Code for the web the tests use (installed the first
//    time), printing its URL.
// PACCHETTINO_START=code-server forces the second; PORT picks its port (default 8080).
// `--check` (or PACCHETTINO_START_CHECK=1; .ci/run uses it): the same code-server on the
// same demo, opened in headless Chromium; checks that the extension activated and its
// Jobs view lists the demo's queues with their jobs, then exits (0 when it did).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, startCodeServer, startWorkbench } from './codeServer.mjs';
import { makeDemoWorkspace } from './demoWorkspace.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check') || process.env.PACCHETTINO_START_CHECK === '1';
const demo = path.join(os.tmpdir(), check ? `pacchettino-demo-check-${process.pid}` : 'pacchettino-demo');
const say = (line) => console.log(`[start] ${line}`);

say('building (npm run build: tsc -b, then the bundles in dist/)');
execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
await makeDemoWorkspace(demo);
say(`demo workspace: ${demo} (queues/inbox, queues/thumbnails; a consumer task in .vscode/tasks.json)`);

const hasCode = !check && process.env.PACCHETTINO_START !== 'code-server' && spawnSync('sh', ['-c', 'command -v code'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  say('opening desktop VS Code with the extension in development mode');
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${root}`, demo], { stdio: 'inherit', detached: true }).unref();
} else {
  ensureCodeServer(say);
  if (check) process.exitCode = await checkWorkbench();
  else await serve();
}

async function serve() {
  const server = await startCodeServer({ workspaceFolder: demo, extensionDevelopmentPath: root, port: Number(process.env.PORT) || 8080 });
  void server.serverExited.then((code) => {
    say(`code-server exited (${code})`);
    process.exit(code ?? 1);
  });
  say('code-server is running. Open this URL in a browser (Ctrl-C here stops it):');
  console.log(`\n  ${server.url}\n`);
  say('then click the parcel icon (Pacchettino) in the activity bar; Terminal › Run Task… › "Consume inbox" processes the queue.');
}

/** What a newcomer sees after opening the URL, checked by a headless browser. */
async function checkWorkbench() {
  const started = Date.now();
  const wb = await startWorkbench({ workspaceFolder: demo, extensionDevelopmentPath: root });
  say(`code-server is running at ${wb.url}`);
  const row = (name) => wb.page.getByRole('treeitem', { name }).first();
  try {
    await wb.page.locator('.activitybar [aria-label^="Pacchettino"]').first().click({ timeout: 90_000 });
    say('the Pacchettino view container is in the activity bar (the extension is installed)');
    // State rows carry the worker's counts: the extension activated and its worker answered.
    for (const [queue, state] of [
      ['inbox', /^Success: 4 · .*inbox$/],
      ['inbox', /^Failed: 2 · .*inbox$/],
      ['thumbnails', /^Queued: 3 · .*thumbnails$/],
    ]) {
      await row(state).waitFor({ timeout: 60_000 });
      say(`the Jobs view lists ${queue}: "${await row(state).getAttribute('aria-label')}"`);
    }
    say(`check passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (e) {
    const shot = path.join(os.tmpdir(), 'pacchettino-start-check.png');
    await wb.page.screenshot({ path: shot }).catch(() => undefined);
    say(`check FAILED: ${e instanceof Error ? e.message : e} (screenshot: ${shot})`);
    return 1;
  } finally {
    await wb.dispose();
    fs.rmSync(demo, { recursive: true, force: true });
  }
}
