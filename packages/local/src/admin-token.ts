import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret } from '@aiworker/core';

/** The admin token: from AIWORKER_ADMIN_TOKEN, else the one kept under the data folder, else a new one kept there. */
export function resolveAdminToken(dataDir: string, fromEnv = process.env.AIWORKER_ADMIN_TOKEN): { token: string; source: string } {
  if (fromEnv) return { token: fromEnv, source: 'AIWORKER_ADMIN_TOKEN' };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), source: file };
  mkdirSync(dataDir, { recursive: true });
  const token = `adm_${generateSecret()}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, source: `${file} (new)` };
}
