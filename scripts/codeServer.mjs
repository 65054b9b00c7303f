// The one code-server launcher: `npm start`, the screenshots script, the start check and
// the VS Code suite (test/vscode/runInCodeServer.ts) all start VS Code through it. Plain
// ESM with its types beside it (codeServer.d.mts), so the scripts run without compiling
// anything. Why each flag and variable is there: docs/VSCODE-HARNESS.md.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The newest code-server whose engines.node is 20 (VS Code 1.100.3). */
export const CODE_SERVER_VERSION = '4.100.3';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function codeServerBin() {
  if (process.env.PACCHETTINO_CODE_SERVER_BIN) return process.env.PACCHETTINO_CODE_SERVER_BIN;
  const dir = process.env.PACCHETTINO_CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache', 'pacchettino', `code-server-${CODE_SERVER_VERSION}`);
  return path.join(dir, 'node_modules', '.bin', 'code-server');
}

/** code-server's path, installing it first (.ci/install-code-server.sh, a few minutes) when it is missing. */
export function ensureCodeServer(say = (line) => console.error(line)) {
  const bin = codeServerBin();
  if (fs.existsSync(bin)) return bin;
  say(`no code-server at ${bin} yet: installing code-server ${CODE_SERVER_VERSION} (VS Code 1.100.3), a few minutes`);
  const out = execFileSync('bash', [path.join(root, '.ci', 'install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop();
}

function freePort(preferred = 0) {
  const listen = (p) =>
    new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(p, '127.0.0.1', () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    });
  return preferred ? listen(preferred).catch(() => listen(0)) : listen(0);
}

/** Kills the whole process group (code-server, its extension host, their children),
 * also after code-server itself exited: the group lives on while any member does. */
function killGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* ESRCH: group already gone */
  }
}

/** The environment code-server and so the extension host get: ours, minus what would hand the folder to another VS Code. */
function serverEnv(extra, dir) {
  const env = { ...process.env };
  // Inside a VS Code terminal these make code-server hand the folder to that
  // VS Code instead of serving its own (VSCODE_IPC_HOOK_CLI), or act as plain node.
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  return Object.assign(env, extra, {
    EXTENSIONS_GALLERY: '{}', // no marketplace look-ups
    XDG_CONFIG_HOME: dir('xdg/config'),
    XDG_DATA_HOME: dir('xdg/data'),
    XDG_CACHE_HOME: dir('xdg/cache'),
    TMPDIR: dir('t'),
  });
}

/**
 * Registers a language pack for `locale` with no translations of the workbench, as VS Code's
 * language-pack service records an installed one (`languagepacks.json` in the user data dir).
 * Without one, code-server ignores `--locale` (vscode.env.language stays `en`), and no real
 * pack can be had here (they live on Open VSX). The workbench stays English; extensions
 * follow the locale (their package.nls.<locale>.json and l10n bundles), as they would with
 * the real pack.
 */
function languagePack(userData, locale) {
  const translations = path.join(userData, `language-pack-${locale}.i18n.json`);
  fs.writeFileSync(translations, JSON.stringify({ version: '1.0.0', contents: {} }));
  const pack = {
    hash: `pacchettino-test-${locale}`,
    extensions: [{ extensionIdentifier: { id: `pacchettino-test.language-pack-${locale}` }, version: '1.0.0' }],
    translations: { vscode: translations },
    label: locale,
  };
  fs.writeFileSync(path.join(userData, 'languagepacks.json'), JSON.stringify({ [locale]: pack }));
}

/** Starts code-server on a folder (no browser); resolves once it listens. */
export async function startCodeServer(opts) {
  const bin = codeServerBin();
  if (!fs.existsSync(bin)) throw new Error(`code-server not found at ${bin}: run .ci/install-code-server.sh`);

  // Short base dir: code-server puts unix sockets in TMPDIR (108-byte path limit).
  const base = fs.mkdtempSync(path.join('/tmp', 'pcs-'));
  const dir = (name) => {
    const d = path.join(base, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const port = await freePort(opts.port);
  const configFile = path.join(base, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  // Settings live server-side; no welcome page covering the workbench.
  const settings = { 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, ...opts.settings };
  fs.writeFileSync(path.join(dir('user-data/User'), 'settings.json'), JSON.stringify(settings, null, 2));
  if (opts.locale) languagePack(dir('user-data'), opts.locale);
  const env = serverEnv(opts.env, dir);
  const common = ['--user-data-dir', dir('user-data'), '--extensions-dir', dir('extensions')];

  // As a user installs a .vsix: code-server's own --install-extension, into this run's extensions dir.
  for (const vsix of opts.installExtensions ?? []) {
    execFileSync(bin, [...common, '--install-extension', path.resolve(vsix)], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  }

  let log = '';
  let disposed = false;
  const child = spawn(
    bin,
    [
      '--config',
      configFile,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      ...common,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--ignore-last-opened',
      // The display language (code-server writes it into argv.json): the extension follows it even where no language pack translates the workbench.
      ...(opts.locale ? ['--locale', opts.locale] : []),
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  ); // detached: own process group to kill
  const serverExited = new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (e) => {
      log += `spawn failed: ${e}\n`;
      resolve(null);
    });
  });
  const lastResort = () => killGroup(child, 'SIGKILL'); // sync, for process exit paths we don't control
  const cleanups = [];
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    process.off('exit', lastResort);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const c of cleanups.reverse()) await c();
    killGroup(child, 'SIGTERM');
    const guard = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    if (child.exitCode === null && child.signalCode === null) await serverExited;
    clearTimeout(guard);
    killGroup(child, 'SIGKILL'); // stragglers of the group, e.g. a killed-parent extension host
    fs.rmSync(base, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    process.stderr.write(`\n${sig}: stopping code-server\n`);
    void dispose().finally(() => process.exit(128 + (os.constants.signals[sig] ?? 1)));
  };
  process.once('exit', lastResort);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`code-server did not listen within 60 s:\n${log}`)), 60_000);
      const onData = (b) => {
        log += b.toString();
        if (log.includes('HTTP server listening on')) {
          clearTimeout(guard);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void serverExited.then((code) => {
        clearTimeout(guard);
        reject(new Error(`code-server exited (${code}):\n${log}`));
      });
    });
  } catch (e) {
    await dispose();
    throw e;
  }

  const params = new URLSearchParams({ folder: opts.workspaceFolder });
  // The remote authority must be the page's own host:port.
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
  const payload = [];
  if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)]);
  if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
  if (payload.length) params.set('payload', JSON.stringify(payload));
  return {
    port,
    url: `http://127.0.0.1:${port}/?${params}`,
    extensionsDir: path.join(base, 'extensions'),
    serverLog: () => log,
    serverExited,
    onDispose: (fn) => cleanups.push(fn),
    dispose,
  };
}

/** Starts code-server and headless Chromium, and opens the workbench on the folder. */
export async function startWorkbench(opts) {
  const server = await startCodeServer(opts);
  try {
    // Loaded here only: `npm start` without --check needs no browser.
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: process.env.PACCHETTINO_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      // Our own handlers close it in order with code-server (startCodeServer's onSignal).
      handleSIGINT: false,
      handleSIGTERM: false,
    });
    server.onDispose(() => browser.close().catch(() => undefined));
    const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
    // Must exist before the workbench script runs, which looks for them once.
    await page.exposeFunction('codeAutomationLog', (level, args) => {
      const line = Array.isArray(args) ? format(...args) : format(args);
      opts.onLog?.(level, line);
    });
    await page.exposeFunction('codeAutomationExit', (code) => opts.onExit?.(code));
    await page.goto(server.url, { waitUntil: 'domcontentloaded' });
    return { ...server, page, browser, runTask: (label) => runTask(page, label) };
  } catch (e) {
    await server.dispose();
    throw e;
  }
}

/** Runs a task by its label as a user does: the palette's "Tasks: Run Task", then the task's entry. */
async function runTask(page, label) {
  await page.keyboard.press('F1');
  await page.keyboard.type('Tasks: Run Task');
  await page
    .getByRole('option', { name: /^Tasks: Run Task\b/ })
    .first()
    .click();
  await page.keyboard.type(label);
  await page
    .getByRole('option', { name: new RegExp(label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })
    .first()
    .click({ timeout: 30_000 });
}
