// The extension with VS Code's display language set to Italian, in the real VS Code: a
// second, short code-server run with the locale `it` (scripts/codeServer.mjs, `locale`) of
// the mocha files in italian/, through the suite's own index (PACCHETTINO_TEST_DIR); then a
// look at the workbench page itself: the Jobs view's header and a command in the palette.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { runInCodeServer } from './runInCodeServer';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** What the page shows: the headers of the open container's views, and the palette's option for our walkthrough command. */
async function lookAt(page: Page): Promise<{ headers: string[]; command: string }> {
  const headers = await page.locator('.pane-header .title').allTextContents();
  await page.keyboard.press('F1');
  await page.keyboard.type('Pacchettino: Introduzione');
  const option = page.getByRole('option', { name: /Pacchettino: / }).first();
  const command = (await option.textContent({ timeout: 15_000 })) ?? '';
  await page.keyboard.press('Escape');
  return { headers, command };
}

test('with the display language set to Italian, the Jobs view and a command are in Italian', { timeout: 180_000 }, async (t) => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pacchettino-ws-it-'));
  t.after(() => fs.rmSync(ws, { recursive: true, force: true }));
  let seen: { headers: string[]; command: string } | undefined;
  const started = Date.now();
  const r = await runInCodeServer({
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(__dirname, 'suite', 'index'),
    workspaceFolder: ws,
    locale: 'it',
    env: { PACCHETTINO_TEST_DIR: path.join(__dirname, 'italian') },
    timeoutMs: 120_000,
    write: (l) => t.diagnostic(l),
    screenshot: async (page) => {
      seen = await lookAt(page);
    },
  });
  t.diagnostic(`code-server run in Italian: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.ok(r.passed, r.logs);
  assert.equal(r.passes, 1);
  assert.ok(seen?.headers.includes('Lavori'), `view headers: ${JSON.stringify(seen?.headers)}`);
  assert.match(seen?.command ?? '', /Pacchettino: Introduzione a Pacchettino/);
});
