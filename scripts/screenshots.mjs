// Takes the README's screenshots of the real workbench (code-server + headless
// Chromium, through the launcher the suite and `npm start` use) on the demo workspace.
// Usage: npm run build && node scripts/screenshots.mjs  -> media/screenshots/*.png
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, startWorkbench } from './codeServer.mjs';
import { makeDemoWorkspace } from './demoWorkspace.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
ensureCodeServer();
const out = path.join(root, 'media', 'screenshots');
fs.mkdirSync(out, { recursive: true });

const demo = await makeDemoWorkspace(path.join(os.tmpdir(), 'pacchettino-screenshots'));
const wb = await startWorkbench({
  workspaceFolder: demo,
  extensionDevelopmentPath: root,
  viewport: { width: 1280, height: 760 },
  settings: {
    'workbench.colorTheme': 'Default Dark Modern',
    'window.commandCenter': false,
    'workbench.layoutControl.enabled': false,
    // The DOM renderer puts the terminal's text in the page, where the script can wait for it.
    'terminal.integrated.gpuAcceleration': 'off',
  },
});
const page = wb.page;
const shot = async (name) => {
  await page.mouse.move(700, 600).catch(() => undefined); // off the tree, so no stray hover
  await page.waitForTimeout(600);
  await page.screenshot({ path: path.join(out, name) });
  console.log(`screenshot: media/screenshots/${name}`);
};
const row = (name) => page.getByRole('treeitem', { name }).first();
const settle = () => page.waitForTimeout(800); // animations and hovers have no event to wait on
const palette = async (command) => {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').first().waitFor({ timeout: 10_000 });
  await page.keyboard.type(command);
  await page
    .getByRole('option', { name: new RegExp(`^${command}`) })
    .first()
    .click();
};
const previewTab = () =>
  page
    .locator('.tab', { hasText: /^Preview / })
    .first()
    .waitFor({ timeout: 30_000 });
// Keys typed before the new input box is up would go to the palette that is closing.
const quickInput = (title) => page.locator('.quick-input-widget .quick-input-title', { hasText: title }).first().waitFor({ timeout: 10_000 });
const closeAllEditors = async () => {
  await page.keyboard.press('Escape');
  // A preview's webview may hold the focus, and keys typed there never reach the palette: focus its tab first.
  await page.locator('.tabs-container .tab').first().click();
  await palette('View: Close All Editors');
};
let shellConsumer;

try {
  await page.locator('.activitybar [aria-label^="Pacchettino"]').first().click({ timeout: 60_000 });
  await row(/^Queued: \d+ · .*inbox/).waitFor({ timeout: 30_000 });
  // PACCHETTINO_SHOTS=live retakes only the live-operations shots (the Consumers view, the chart).
  if (process.env.PACCHETTINO_SHOTS !== 'live') {
    // A wider side bar, so job rows show their ids and reasons.
    const sash = await page.locator('.part.sidebar').boundingBox();
    await page.mouse.move(sash.x + sash.width - 1, 300);
    await page.mouse.down();
    await page.mouse.move(sash.x + sash.width + 130, 300, { steps: 5 });
    await page.mouse.up();
    for (const state of [/^Success: 4 · .*inbox/, /^Failed: 2 · .*inbox/, /^Interrupted: 1 · .*inbox/, /^Queued: 3 · .*inbox/]) {
      await row(state).click();
    }
    await row(/summary-broken/).waitFor();
    // The job's tooltip: id, sent at, attempts, failure reason.
    await row(/report-broken/).hover();
    await page.locator('.monaco-hover').first().waitFor({ timeout: 10_000 });
    await settle();
    await page.screenshot({ path: path.join(out, 'jobs-tree.png') });
    console.log('screenshot: media/screenshots/jobs-tree.png');

    // The context menu of a failed job, keyed on its contextValue.
    await row(/report-broken/).click({ button: 'right' });
    await page.locator('.context-view .monaco-menu').waitFor();
    await settle();
    await page.screenshot({ path: path.join(out, 'job-menu.png') });
    console.log('screenshot: media/screenshots/job-menu.png');
    // The job's details document: ids, state, every attempt with its output, the payload's head.
    await page.getByRole('menuitem', { name: /Show Details/ }).click();
    await previewTab();
    await settle();
    await shot('job-details.png');
    await closeAllEditors();

    // Find Job: a file's name (or an id, a prefix, a pasted path) finds the job in any queue and state.
    await palette('Pacchettino: Find Job');
    await quickInput(/^Find Job/);
    await page.keyboard.type('report-broken.csv');
    await settle();
    await shot('find-job.png');
    await page.keyboard.press('Enter');
    await previewTab();
    await closeAllEditors();

    // A filtered state: "1 of 2 · filter: csv" on the node; cleared again for the shots after it.
    await settle(); // Find's reveal scrolls the tree: the row must be where it is drawn
    await row(/^Failed: 2 · .*inbox/).click({ button: 'right' });
    // A click that lands while the tree redraws under the menu leaves it open with the item highlighted: Enter then.
    await page.getByRole('menuitem', { name: /^Filter/ }).click();
    await quickInput(/^Filter failed/).catch(async () => {
      await page.keyboard.press('Enter');
      await quickInput(/^Filter failed/);
    });
    await page.keyboard.type('csv');
    await page.keyboard.press('Enter');
    await page.getByText('1 of 2 · filter: csv').first().waitFor({ timeout: 30_000 });
    await settle();
    await shot('filtered-state.png');
    await row(/^Failed: 2 · .*inbox/).click({ button: 'right' });
    await page.getByRole('menuitem', { name: /^Clear Filter/ }).click();

    // A consumer task from tasks.json, run from the palette: one line per job in its terminal.
    await page.keyboard.press('Escape');
    await wb.runTask('Consume inbox once');
    await page
      .locator('.xterm-rows')
      .filter({ hasText: /succeeded, \d+ failed/ })
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(async (e) => {
        await page.screenshot({ path: path.join(os.tmpdir(), 'screenshots-debug.png') });
        throw e;
      });
    await settle();
    await shot('consumer-task.png');
  }

  // A consumer started from a shell, holding a job that reports its progress: the Consumers view.
  const thumbs = path.join(demo, 'queues', 'thumbnails');
  const script = 'echo "35 resizing" >> "$PACCHETTINO_PROGRESS_FILE"; sleep 600';
  shellConsumer = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), 'consume', thumbs, '--', 'sh', '-c', script], {
    detached: true,
    stdio: 'ignore',
  });
  await page.keyboard.press('F1');
  await page.keyboard.type('Pacchettino: Focus on Consumers View');
  await page
    .getByRole('option', { name: /Focus on Consumers View/ })
    .first()
    .click();
  await row(/^resizing|photo-00\d/)
    .or(row(/35% · resizing/))
    .first()
    .waitFor({ timeout: 30_000 });
  await settle();
  await shot('consumers-view.png');

  // The throughput chart of the inbox: what the demo's consume --once and the task finished.
  await page.keyboard.press('F1');
  await page.keyboard.type('Pacchettino: Show Throughput');
  await page
    .getByRole('option', { name: /Pacchettino: Show Throughput/ })
    .first()
    .click();
  await page.getByRole('option', { name: /inbox/ }).first().click();
  await page.frameLocator('iframe.webview').frameLocator('iframe').locator('svg rect').first().waitFor({ timeout: 30_000 });
  await settle();
  await shot('throughput.png');
} catch (err) {
  // What the page showed when a step timed out: the quickest way to see which step and why.
  await page.screenshot({ path: path.join(os.tmpdir(), 'screenshots-failed.png') }).catch(() => undefined);
  throw err;
} finally {
  if (shellConsumer) process.kill(-shellConsumer.pid, 'SIGKILL');
  await wb.dispose();
}
