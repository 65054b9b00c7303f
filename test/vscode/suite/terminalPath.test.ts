// The extension puts its bundled `pacchettino` on PATH in the integrated terminals
// (environmentVariableCollection), so README's commands work in any terminal of the window.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extensionApi, freshQueueDir, workspaceDir } from './extensionUnderTest';

/** Resolves once `file` exists with content, polled (a terminal's command gives no other signal); rejects after `timeoutMs`. */
async function fileWritten(file: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (fs.existsSync(file) && fs.statSync(file).size > 0) return fs.readFileSync(file, 'utf8');
    if (Date.now() > deadline) throw new Error(`${file} was not written within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('pacchettino on PATH in the integrated terminal', () => {
  it('a terminal runs `pacchettino send` and `status` from the extension, with no install', async () => {
    await extensionApi();
    const q = freshQueueDir('terminal');
    const out = path.join(workspaceDir(), 'terminal-out.txt');
    fs.rmSync(out, { force: true });
    const script = `{ command -v pacchettino; pacchettino --version; pacchettino send '${q}' --data hi; pacchettino status '${q}' --json; } > '${out}.part' 2>&1; mv '${out}.part' '${out}'`;
    const terminal = vscode.window.createTerminal({ name: 'pacchettino on PATH', shellPath: '/bin/sh', shellArgs: ['-c', script] });
    try {
      const text = await fileWritten(out);
      const [where, version] = text.split('\n');
      assert.match(where, /globalStorage\/pacchettino\.pacchettino-vscode\/bin\/pacchettino$/, `the extension's launcher is first on PATH:\n${text}`);
      assert.match(version, /^\d+\.\d+\.\d+$/, text);
      assert.match(text, /"QUEUED": 1/, `the job it sent is counted:\n${text}`);
      assert.equal(fs.readdirSync(path.join(q, 'queued')).length, 1);
    } finally {
      terminal.dispose();
      fs.rmSync(out, { force: true });
    }
  });
});
