// `npm start`: bundles the extension, builds a demo workspace (two queues with jobs
// in every state), and opens the extension on it in development mode:
//  - desktop VS Code (`code --extensionDevelopmentPath`) when `code` is on PATH;
//  - otherwise code-server, the VS Code for the web the tests use, printing its URL.
// PACCHETTINO_START=code-server forces the second; PORT picks its port (default 8080).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDemoWorkspace } from './demoWorkspace.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const demo = path.join(os.tmpdir(), 'pacchettino-demo');
const say = (line) => console.log(`[start] ${line}`);

execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
await makeDemoWorkspace(demo);
say(`demo workspace: ${demo} (queues/inbox, queues/thumbnails; a consumer task in .vscode/tasks.json)`);

const hasCode = process.env.PACCHETTINO_START !== 'code-server' && spawnSync('sh', ['-c', 'command -v code'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  say('opening desktop VS Code with the extension in development mode');
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${root}`, demo], { stdio: 'inherit', detached: true }).unref();
} else {
  await startCodeServer();
}

async function startCodeServer() {
  // The harness knows where code-server lives; its compiled module comes from `tsc -b`.
  const harness = path.join(root, 'test', 'out', 'vscode', 'runInCodeServer.js');
  if (!fs.existsSync(harness)) spawnSync('npx', ['tsc', '-b', 'test'], { cwd: root, stdio: 'inherit' });
  const { codeServerBin } = require(harness);
  let bin = codeServerBin();
  if (!fs.existsSync(bin)) {
    say('no `code` on PATH and no code-server yet: installing code-server 4.100.3 (VS Code 1.100.3), a few minutes');
    bin = execFileSync('bash', [path.join(root, '.ci', 'install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .pop();
  }
  const port = await pickPort(Number(process.env.PORT) || 8080);
  const base = fs.mkdtempSync(path.join('/tmp', 'pcs-start-'));
  const userData = path.join(base, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none' }));
  fs.writeFileSync(path.join(base, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env = { ...process.env, EXTENSIONS_GALLERY: '{}', TMPDIR: base };
  // Inside a VS Code terminal these would hand the folder to that VS Code instead.
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  const child = spawn(
    bin,
    [
      '--config',
      path.join(base, 'config.yaml'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      userData,
      '--extensions-dir',
      path.join(base, 'extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--ignore-last-opened',
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    fs.rmSync(base, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    stop();
    process.exit(130);
  });
  process.on('SIGTERM', () => {
    stop();
    process.exit(143);
  });
  child.on('exit', (code) => {
    say(`code-server exited (${code})`);
    fs.rmSync(base, { recursive: true, force: true });
    process.exit(code ?? 1);
  });
  let log = '';
  await new Promise((resolve) => {
    const onData = (b) => {
      log += b;
      if (log.includes('HTTP server listening on')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  // The development path must be addressed on the page's own host:port.
  const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]]);
  const url = `http://127.0.0.1:${port}/?${new URLSearchParams({ folder: demo, payload })}`;
  say('code-server is running. Open this URL in a browser (Ctrl-C here stops it):');
  console.log(`\n  ${url}\n`);
  say('then click the parcel icon (Pacchettino) in the activity bar; Terminal › Run Task… › "Consume inbox" processes the queue.');
}

function pickPort(preferred) {
  const tryPort = (p) =>
    new Promise((resolve) => {
      const srv = net.createServer().once('error', () => resolve(undefined));
      srv.listen(p, '127.0.0.1', () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    });
  return tryPort(preferred).then((p) => p ?? tryPort(0));
}
