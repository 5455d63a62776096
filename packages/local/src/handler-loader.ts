import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

// biome-ignore lint/suspicious/noExplicitAny: handlers of every kind (HTTP, SQS, schedule) share this loader
export type LambdaHandler = (event: any, context: any) => Promise<any>;

const cache = new Map<string, Promise<LambdaHandler>>();

/** Imports the handler module named in infra/ (e.g. `functions/api/tasks/get`) once, like a warm Lambda. */
export function loadHandler(handlerPath: string): Promise<LambdaHandler> {
  let loaded = cache.get(handlerPath);
  if (!loaded) {
    const file = ['.ts', '.js', '.mjs'].map((ext) => join(projectRoot, `${handlerPath}${ext}`)).find((path) => existsSync(path));
    if (!file) throw new Error(`Handler module ${handlerPath} not found under ${projectRoot}`);
    loaded = import(file).then((module: { handler?: LambdaHandler }) => {
      if (typeof module.handler !== 'function') throw new Error(`${handlerPath} does not export a handler`);
      return module.handler;
    });
    cache.set(handlerPath, loaded);
  }
  return loaded;
}
