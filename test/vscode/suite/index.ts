// Suite entry loaded by VS Code's extension host (extensionTestsPath), both
// under code-server (runInCodeServer) and desktop VS Code (runInElectron).
// Runs every compiled *.test.js beside this file with mocha's bdd UI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false });
  // A developer's narrowing (see CONTRIBUTING.md); CI never sets it.
  if (process.env.PACCHETTINO_TEST_GREP) mocha.grep(process.env.PACCHETTINO_TEST_GREP);
  // PACCHETTINO_TEST_DIR points a run at another folder of mocha files (the Italian run,
  // italianLocale.test.ts); CI never sets it for the main suite.
  const dir = process.env.PACCHETTINO_TEST_DIR || __dirname;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  // No files means a wrong folder or a missing build, not a green suite.
  if (files.length === 0) return Promise.reject(new Error(`no *.test.js files in ${dir}`));
  for (const f of files) mocha.addFile(path.join(dir, f));

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        // The workbench reports success even when the extension host dies, so
        // the harness trusts only this file (see runInCodeServer.ts).
        const statsFile = process.env.PACCHETTINO_TEST_STATS;
        if (statsFile) {
          const { tests = 0, passes = 0, pending = 0 } = runner.stats ?? {};
          fs.writeFileSync(statsFile, JSON.stringify({ tests, passes, failures, pending }));
        }
        if (failures > 0) reject(new Error(`${failures} test(s) failed`));
        else resolve();
      });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e))); // e.g. a test file that throws while loading
    }
  });
}
