/** Builds the board into packages/board/dist: API types from the OpenAPI document, then Vite. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { generateApiTypes } from './generate-api.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await generateApiTypes();
await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: process.env.BOARD_BUILD_QUIET ? 'warn' : 'info' });
