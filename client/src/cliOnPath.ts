// Puts the extension's bundled `pacchettino` (dist/cli.js) on PATH in VS Code's integrated
// terminals, so the README's commands work there without installing anything. A small
// launcher script in the extension's storage runs the bundle with the extension host's own
// runtime: plain Node in code-server, Electron in desktop VS Code, which ELECTRON_RUN_AS_NODE
// turns into Node (the consumer tasks run the CLI the same way).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';

/** Single-quoted for sh: safe for any path. */
function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Writes the launcher (when it changed) and prepends its folder to PATH; returns that folder. */
export function putCliOnPath(context: vscode.ExtensionContext, cli: string): string | undefined {
  if (process.platform === 'win32') return undefined; // a .cmd launcher would be needed; not built yet
  const dir = path.join(context.globalStorageUri.fsPath, 'bin');
  const launcher = path.join(dir, 'pacchettino');
  const script = [
    '#!/bin/sh',
    "# Written by the Pacchettino extension at activation: its bundled command line, run by VS Code's runtime.",
    `ELECTRON_RUN_AS_NODE=1 exec ${shQuote(process.execPath)} ${shQuote(cli)} "$@"`,
    '',
  ].join('\n');
  fs.mkdirSync(dir, { recursive: true });
  let current: string | undefined;
  try {
    current = fs.readFileSync(launcher, 'utf8');
  } catch {
    /* first activation */
  }
  if (current !== script) {
    // Written aside and renamed: a terminal running it meanwhile never sees half a script.
    fs.writeFileSync(`${launcher}.tmp`, script, { mode: 0o755 });
    fs.renameSync(`${launcher}.tmp`, launcher);
  }
  const env = context.environmentVariableCollection;
  env.description = 'Puts the `pacchettino` command line on PATH';
  env.prepend('PATH', dir + path.delimiter);
  return dir;
}
