import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret } from '@aiworker/core';

/** The webhook secret: AIWORKER_WEBHOOK_SECRET, else the one kept under the data folder, else a new one kept there. */
export function resolveWebhookSecret(dataDir: string, fromEnv = process.env.AIWORKER_WEBHOOK_SECRET): { secret: string; source: string } {
  if (fromEnv) return { secret: fromEnv, source: 'AIWORKER_WEBHOOK_SECRET' };
  const file = join(dataDir, 'webhook-secret');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), source: file };
  mkdirSync(dataDir, { recursive: true });
  const secret = generateSecret();
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, source: `${file} (new)` };
}
