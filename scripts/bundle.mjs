// Bundles each side of the product into one file with esbuild:
//   client/src/extension.ts  -> dist/extension.js  (loaded by VS Code; `vscode` is provided by it)
//   server/worker/src/main.ts -> dist/worker.js    (the background worker, forked over IPC)
//   server/src/cli/main.ts    -> dist/cli.js       (the `consume` that consumer tasks run)
//   server/src/cli/main.ts    -> server/out/cli.js (the npm package's `pacchettino` bin)
// The .vsix ships only dist/ (see .vscodeignore), so no node_modules travel with it. The CLI is
// bundled for npm too: one file loads in half the time of the ~40 modules tsc writes, and a
// command's start-up is most of a short `send`.
// Usage: node scripts/bundle.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const entries = [
  { in: 'client/src/extension.ts', outfile: 'dist/extension.js', external: ['vscode'] },
  { in: 'server/worker/src/main.ts', outfile: 'dist/worker.js', external: [] },
  { in: 'server/src/cli/main.ts', outfile: 'dist/cli.js', external: [] },
  { in: 'server/src/cli/main.ts', outfile: 'server/out/cli.js', external: [] },
];

const missing = entries.filter((e) => !fs.existsSync(path.join(root, e.in)));
if (missing.length) {
  console.error(`bundle: missing entry point(s): ${missing.map((e) => e.in).join(', ')}`);
  process.exit(1);
}

// A stale bundle of a renamed entry must not end up in the .vsix.
if (!watch) fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });

const started = Date.now();
const contexts = await Promise.all(
  entries.map((e) =>
    esbuild.context({
      absWorkingDir: root,
      entryPoints: [e.in],
      outfile: e.outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: e.external,
      // Our own packages' "source" export: bundle their TypeScript, so bundling needs no tsc output.
      conditions: ['source'],
      // Prefer CommonJS entry points: some dependencies' ESM builds need import.meta, which cjs output lacks.
      mainFields: ['main', 'module'],
      minify: production,
      // Release bundles carry no maps (smaller .vsix); dev bundles link theirs for the debugger.
      sourcemap: production ? false : 'linked',
      sourcesContent: false,
      logLevel: 'warning',
      metafile: true,
    }),
  ),
);

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('bundle: watching for changes');
} else {
  const results = await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  for (const r of results) {
    const out = Object.entries(r.metafile.outputs).find(([f]) => f.endsWith('.js'));
    console.log(`bundle: ${out[0]} ${(out[1].bytes / 1024).toFixed(0)} KiB`);
  }
  console.log(`bundle: ${production ? 'production ' : ''}done in ${Date.now() - started} ms`);
}
