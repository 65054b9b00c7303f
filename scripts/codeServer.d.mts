// Types of codeServer.mjs, for the TypeScript that imports it (test/vscode/runInCodeServer.ts).
import type { Browser, Page } from 'playwright-core';

export declare const CODE_SERVER_VERSION: string;

/** Where code-server is (PACCHETTINO_CODE_SERVER_BIN, or under PACCHETTINO_CODE_SERVER_DIR / ~/.cache/pacchettino). */
export declare function codeServerBin(): string;

/** code-server's path, installing it first when it is missing. */
export declare function ensureCodeServer(say?: (line: string) => void): string;

export interface CodeServerOptions {
  workspaceFolder: string;
  /** Loads this extension in development mode. */
  extensionDevelopmentPath?: string;
  /** Suite index (abs, no .js): the workbench runs it, then calls onExit. */
  extensionTestsPath?: string;
  /** .vsix files installed with `--install-extension` before the server starts. */
  installExtensions?: string[];
  /** Extra environment for code-server; the extension host inherits it. */
  env?: Record<string, string>;
  /** User settings (settings.json) merged over the defaults. */
  settings?: Record<string, unknown>;
  /** The display language, as `--locale` (e.g. `it`); default: code-server's (English). */
  locale?: string;
  /** Port to try first (default: any free one). */
  port?: number;
}

export interface CodeServer {
  port: number;
  /** The workbench on the folder, with the development and tests paths if given. */
  url: string;
  extensionsDir: string;
  /** Whole stdout+stderr of code-server so far. */
  serverLog(): string;
  /** Resolves if code-server exits before dispose(). */
  serverExited: Promise<number | null>;
  /** Runs before code-server is stopped. */
  onDispose(fn: () => unknown): void;
  /** Kills code-server's process group and removes its temp dirs. Idempotent. */
  dispose(): Promise<void>;
}

export interface WorkbenchOptions extends CodeServerOptions {
  /** Every window log line (mocha's output included), formatted. */
  onLog?: (level: string, line: string) => void;
  /** Called once the suite's run() settles: 0 resolved, 1 rejected. */
  onExit?: (code: number) => void;
  viewport?: { width: number; height: number };
}

export interface Workbench extends CodeServer {
  page: Page;
  browser: Browser;
  /** Runs a task by its label from the palette ("Tasks: Run Task"), as a user does. */
  runTask(label: string): Promise<void>;
}

export declare function startCodeServer(opts: CodeServerOptions): Promise<CodeServer>;
export declare function startWorkbench(opts: WorkbenchOptions): Promise<Workbench>;
