#!/usr/bin/env node
// The `wick` command runs the compiled CLI (built by `npm run build`, which `npm install` runs).
import '../dist/cli.js';
