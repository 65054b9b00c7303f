#!/usr/bin/env node
// A fixed file for npm to link at install time; the CLI itself is bundled to out/cli.js (scripts/bundle.mjs).
require('../out/cli.js');
