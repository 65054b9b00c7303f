// Runs the extension's mocha suite inside a real VS Code: code-server (VS Code
// 1.100.3 for the web, installed by .ci/install-code-server.sh) opened in
// headless Chromium through playwright-core. Recipe and traps:
// shared/vscode-harness.md. As a script: `node test/out/vscode/runInCodeServer.js`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

const CODE_SERVER_VERSION = '4.100.3';
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

export interface WorkbenchOptions {
  workspaceFolder: string;
  /** Loads this extension in development mode (for screenshots without tests, too). */
  extensionDevelopmentPath?: string;
  /** Suite index (abs, no .js): the workbench runs it, then calls onExit. */
  extensionTestsPath?: string;
  /** Extra environment for code-server; the extension host inherits it. */
  env?: Record<string, string>;
  /** Every window log line (mocha's output included), formatted. */
  onLog?: (level: string, line: string) => void;
  /** Called once the suite's run() settles: 0 resolved, 1 rejected. */
  onExit?: (code: number) => void;
  viewport?: { width: number; height: number };
  /** User settings (settings.json) merged over the harness defaults. */
  settings?: Record<string, unknown>;
}

export interface Workbench {
  page: Page;
  browser: Browser;
  port: number;
  /** Whole stdout+stderr of code-server so far. */
  serverLog(): string;
  /** Resolves if code-server exits before dispose(). */
  serverExited: Promise<number | null>;
  /** Closes Chromium, kills code-server's process group, removes temp dirs. Idempotent. */
  dispose(): Promise<void>;
}

export function codeServerBin(): string {
  if (process.env.PACCHETTINO_CODE_SERVER_BIN) return process.env.PACCHETTINO_CODE_SERVER_BIN;
  const dir = process.env.PACCHETTINO_CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache', 'pacchettino', `code-server-${CODE_SERVER_VERSION}`);
  return path.join(dir, 'node_modules', '.bin', 'code-server');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Kills the whole process group (code-server, its extension host, their children),
 * also after code-server itself exited: the group lives on while any member does. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* ESRCH: group already gone */
  }
}

/** Starts code-server + Chromium and opens the workbench on a folder. */
export async function startWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  const bin = codeServerBin();
  if (!fs.existsSync(bin)) throw new Error(`code-server not found at ${bin}: run .ci/install-code-server.sh`);

  // Short base dir: code-server puts unix sockets in TMPDIR (108-byte path limit).
  const base = fs.mkdtempSync(path.join('/tmp', 'pcs-'));
  const dir = (name: string) => {
    const d = path.join(base, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const port = await freePort();
  const configFile = path.join(base, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  // Settings live server-side; no welcome page covering the workbench in screenshots.
  const settings = { 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, ...opts.settings };
  fs.writeFileSync(path.join(dir('user-data/User'), 'settings.json'), JSON.stringify(settings, null, 2));

  const env: NodeJS.ProcessEnv = { ...process.env };
  // Inside a VS Code terminal these make code-server hand the folder to that
  // VS Code instead of serving its own (VSCODE_IPC_HOOK_CLI), or act as plain node.
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  Object.assign(env, opts.env, {
    EXTENSIONS_GALLERY: '{}', // no marketplace look-ups
    XDG_CONFIG_HOME: dir('xdg/config'),
    XDG_DATA_HOME: dir('xdg/data'),
    XDG_CACHE_HOME: dir('xdg/cache'),
    TMPDIR: dir('t'),
  });

  let log = '';
  let disposed = false;
  let browser: Browser | undefined;
  const child = spawn(
    bin,
    [
      '--config',
      configFile,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      dir('user-data'),
      '--extensions-dir',
      dir('extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--ignore-last-opened',
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  ); // detached: own process group to kill
  const serverExited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (e) => {
      log += `spawn failed: ${e}\n`;
      resolve(null);
    });
  });
  const lastResort = () => killGroup(child, 'SIGKILL'); // sync, for process exit paths we don't control

  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    process.off('exit', lastResort);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await browser?.close().catch(() => undefined);
    killGroup(child, 'SIGTERM');
    const guard = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    if (child.exitCode === null && child.signalCode === null) await serverExited;
    clearTimeout(guard);
    killGroup(child, 'SIGKILL'); // stragglers of the group, e.g. a killed-parent extension host
    fs.rmSync(base, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: stopping code-server and Chromium\n`);
    void dispose().finally(() => process.exit(128 + (os.constants.signals[sig] ?? 1)));
  };
  process.once('exit', lastResort);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`code-server did not listen within 60 s:\n${log}`)), 60_000);
      const onData = (b: Buffer) => {
        log += b.toString();
        if (log.includes('HTTP server listening on')) {
          clearTimeout(guard);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void serverExited.then((code) => {
        clearTimeout(guard);
        reject(new Error(`code-server exited (${code}):\n${log}`));
      });
    });

    browser = await chromium.launch({
      executablePath: process.env.PACCHETTINO_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      // Our own handlers close it in order with code-server (see onSignal).
      handleSIGINT: false,
      handleSIGTERM: false,
    });
    const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
    // Must exist before the workbench script runs, which looks for them once.
    await page.exposeFunction('codeAutomationLog', (level: string, args: unknown) => {
      const line = Array.isArray(args) ? format(...args) : format(args);
      opts.onLog?.(level, line);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => opts.onExit?.(code));

    const params = new URLSearchParams({ folder: opts.workspaceFolder });
    // The remote authority must be the page's own host:port.
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
    const payload: [string, string][] = [];
    if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)]);
    if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
    if (payload.length) params.set('payload', JSON.stringify(payload));
    await page.goto(`http://127.0.0.1:${port}/?${params}`, { waitUntil: 'domcontentloaded' });
    return { page, browser, port, serverLog: () => log, serverExited, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

export interface RunOptions {
  extensionDevelopmentPath: string;
  /** Absolute path of the compiled suite index, without .js. */
  extensionTestsPath: string;
  workspaceFolder: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Called after the suite settled, before teardown (e.g. to take screenshots). */
  screenshot?: (page: Page) => Promise<void>;
  /** Where to stream log lines as they arrive; default stdout. */
  write?: (line: string) => void;
}

export interface RunResult {
  passed: boolean;
  failures: number;
  tests: number;
  passes: number;
  pending: number;
  logs: string;
}

interface Stats {
  tests: number;
  passes: number;
  failures: number;
  pending: number;
}

/** Runs the suite once in a fresh code-server; never throws for test failures. */
export async function runInCodeServer(opts: RunOptions): Promise<RunResult> {
  const write = opts.write ?? ((l: string) => process.stdout.write(l + '\n'));
  const lines: string[] = [];
  let settled = false; // after the suite settled, teardown noise is not news
  const note = (l: string) => {
    if (!settled) {
      lines.push(l);
      write(l);
    }
  };
  // The workbench reports exit code 0 even when the extension host crashed, so
  // the suite writes mocha's stats here and a missing file means it never finished.
  // A bare unique name, no dir: nothing is left behind unless the suite wrote it.
  const statsFile = path.join(os.tmpdir(), `pacchettino-stats-${randomUUID()}.json`);

  let exitCode: number | undefined;
  let wb: Workbench | undefined;
  try {
    let settle!: (code: number) => void;
    const exited = new Promise<number>((r) => {
      settle = r;
    });
    wb = await startWorkbench({
      ...opts,
      env: { ...opts.env, PACCHETTINO_TEST_STATS: statsFile },
      onLog: (_level, line) => note(line),
      onExit: (code) => {
        note(`workbench reported suite exit code ${code}`);
        settle(code);
      },
    });
    const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
    let timer: NodeJS.Timeout | undefined;
    exitCode = await Promise.race([
      exited,
      wb.serverExited.then((c) => {
        note(`code-server exited early (${c})`);
        return 1;
      }),
      new Promise<number>((r) =>
        wb!.page.once('crash', () => {
          note('workbench page crashed');
          r(1);
        }),
      ),
      new Promise<number>((r) => {
        timer = setTimeout(() => {
          note(`timed out after ${timeoutMs} ms`);
          r(1);
        }, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    settled = true;
    if (opts.screenshot) await opts.screenshot(wb.page).catch((e) => note(`screenshot failed: ${e}`));
  } catch (e) {
    note(`harness error: ${e instanceof Error ? e.stack : e}`);
  } finally {
    settled = true;
    await wb?.dispose();
  }
  settled = false;

  let stats: Stats | undefined;
  try {
    stats = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as Stats;
  } catch {
    note('no test stats written: the suite did not run to its end');
  }
  fs.rmSync(statsFile, { force: true });

  // A crashed extension host shows up only in code-server's own log.
  const crashes = [...(wb?.serverLog() ?? '').matchAll(/Extension Host Process exited with code: (\S+), signal: (\S+?)\.?$/gm)].filter(
    (m) => !(m[1] === '0' && m[2] === 'null'),
  );
  for (const m of crashes) note(`extension host crashed: ${m[0]}`);

  const failures = stats?.failures ?? 0;
  const passed = exitCode === 0 && stats !== undefined && failures === 0 && crashes.length === 0;
  if (!passed && wb) note(`--- code-server log ---\n${wb.serverLog().trimEnd()}\n--- end of code-server log ---`);
  return {
    passed,
    failures: passed ? 0 : Math.max(failures, 1),
    tests: stats?.tests ?? 0,
    passes: stats?.passes ?? 0,
    pending: stats?.pending ?? 0,
    logs: lines.join('\n'),
  };
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..'); // test/out/vscode -> repo root
  const workspaceFolder = process.env.PACCHETTINO_TEST_WORKSPACE ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-ws-'));
  const started = Date.now();
  const r = await runInCodeServer({
    extensionDevelopmentPath: process.env.PACCHETTINO_EXTENSION_PATH ?? root,
    extensionTestsPath: process.env.PACCHETTINO_TESTS_PATH ?? path.join(__dirname, 'suite', 'index'),
    workspaceFolder,
    timeoutMs: Number(process.env.PACCHETTINO_TEST_TIMEOUT_MS) || undefined,
  });
  if (!process.env.PACCHETTINO_TEST_WORKSPACE) fs.rmSync(workspaceFolder, { recursive: true, force: true });
  console.log(`code-server suite ${r.passed ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // The plain closing line CI reads.
  console.log(`vscode: ${r.passes} passed, ${r.failures} failed, ${r.pending} skipped`);
  process.exitCode = r.passed ? 0 : 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
