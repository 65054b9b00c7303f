#!/usr/bin/env node
// A fixed file for npm to link at install time; the CLI itself is built to out/.
require('../out/cli/main.js');
