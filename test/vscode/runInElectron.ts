// Runs the same mocha suite in desktop VS Code via @vscode/test-electron, for
// machines that can download VS Code (laptops, public CI). Here the download
// fails (no network); use runInCodeServer.ts instead.
// Usage: `node test/out/vscode/runInElectron.js` (env PACCHETTINO_VSCODE_VERSION
// picks a version, default the newest stable).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const extensionDevelopmentPath = path.resolve(__dirname, '..', '..', '..'); // test/out/vscode -> repo root
  const extensionTestsPath = path.join(__dirname, 'suite', 'index');
  const workspace = process.env.PACCHETTINO_TEST_WORKSPACE ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-ws-'));
  try {
    // runTests rejects when the suite's run() rejects (VS Code exits non-zero).
    await runTests({
      version: process.env.PACCHETTINO_VSCODE_VERSION,
      extensionDevelopmentPath,
      extensionTestsPath,
      // The first launch arg is the folder to open; other installed extensions stay off.
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    });
  } finally {
    if (!process.env.PACCHETTINO_TEST_WORKSPACE) fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('VS Code tests failed:', e);
  process.exit(1);
});
