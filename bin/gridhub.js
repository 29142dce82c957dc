#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `npm install` then `npm start` needs no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli.ts');
