#!/usr/bin/env node
// The `flume-rpc` bin: a committed file, so npm links it even before dist/ is built (in a fresh
// checkout npm links workspace bins before any build runs). It runs the compiled CLI, or says
// how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `flume-rpc: ${fileURLToPath(main)} is missing: the CLI is not built yet.\n` +
      'Run `npm run build` at the repository root (npm ci runs it too, unless scripts are ignored).\n',
  );
  process.exit(1);
}
await import(main.href);
