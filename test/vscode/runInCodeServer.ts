// Runs the extension's mocha suite inside a real VS Code: code-server (VS Code
// 1.100.3 for the web, installed by .ci/install-code-server.sh) opened in
// headless Chromium, started by scripts/codeServer.mjs (shared with `npm start`).
// Recipe and traps: docs/VSCODE-HARNESS.md. As a script: `node test/out/vscode/runInCodeServer.js`.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import type * as Launcher from '../../scripts/codeServer.mjs' with { 'resolution-mode': 'import' };
import type { Workbench } from '../../scripts/codeServer.mjs' with { 'resolution-mode': 'import' };

/** The repository's root, from test/out/vscode. */
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** The launcher is plain ESM (the start script runs it uncompiled): imported, not required. */
export function launcher(): Promise<typeof Launcher> {
  return import(pathToFileURL(path.join(ROOT, 'scripts', 'codeServer.mjs')).href) as Promise<typeof Launcher>;
}

export interface RunOptions {
  /** The extension in development mode; leave out to test an installed one (installExtensions). */
  extensionDevelopmentPath?: string;
  /** .vsix files installed into the fresh code-server first, as users install them. */
  installExtensions?: string[];
  /** Absolute path of the compiled suite index, without .js. */
  extensionTestsPath: string;
  workspaceFolder: string;
  /** VS Code's display language (code-server's `--locale`), e.g. `it`. */
  locale?: string;
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
    const { startWorkbench } = await launcher();
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
    note(`harness error: ${e instanceof Error ? e.stack : String(e)}`);
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
  const workspaceFolder = process.env.PACCHETTINO_TEST_WORKSPACE ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-ws-'));
  const started = Date.now();
  const r = await runInCodeServer({
    extensionDevelopmentPath: process.env.PACCHETTINO_EXTENSION_PATH ?? ROOT,
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
