#!/usr/bin/env node
// The package's command: runs the compiled CLI (built by `npm install` through the prepare script).
import('../dist/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
