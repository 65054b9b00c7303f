/// <reference types="mocha" />
// The extension in Italian: code-server started with the display language `it`
// (italianLocale.test.ts runs this folder through the suite's index). No real language pack
// translates the workbench, so it stays English; the extension's own strings follow
// vscode.env.language: its manifest through package.nls.it.json, its runtime strings
// through l10n/bundle.l10n.it.json.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, extensionApi } from '../suite/extensionUnderTest';

/** A manifest string as VS Code resolved it: a command's title comes with its English original. */
type Localized = string | { value: string; original: string };

interface Manifest {
  contributes: { views: Record<string, { id: string; name: Localized }[]>; commands: { command: string; title: Localized }[] };
}

describe('display language Italian', () => {
  it("VS Code's language is Italian, and so are the Jobs view's title, a command's title and a runtime string", async () => {
    assert.equal(vscode.env.language, 'it');
    const api = await extensionApi();
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as Manifest;
    const view = manifest.contributes.views.pacchettino.find((v) => v.id === 'pacchettino.jobs');
    assert.equal(view?.name, 'Lavori');
    assert.equal(api.treeView.title, 'Lavori');
    const pause = manifest.contributes.commands.find((c) => c.command === 'pacchettino.pauseQueue');
    assert.deepEqual(pause?.title, { value: 'Metti in pausa la coda', original: 'Pause Queue' });
    assert.equal(vscode.l10n.t('no consumer · {0} queued', 3), 'nessun consumatore · 3 in coda');
    // For the harness's look at the page: the Pacchettino container open, its views' headers shown.
    await vscode.commands.executeCommand('workbench.view.extension.pacchettino');
  });
});
