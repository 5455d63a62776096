import type { AddressInfo } from 'node:net';
import { buildApp } from 'fauxqs';

export interface SqsEmulator {
  endpoint: string;
  stop(): Promise<void>;
}

/** The address fauxqs listens on: loopback only, so nothing else on the network reaches the queues. */
const HOST = '127.0.0.1';

/**
 * Starts fauxqs (the SQS wire protocol, in-process) on 127.0.0.1. Its `startFauxqs` always listens on
 * 0.0.0.0 (its `host` option only names the host in queue URLs), so the app is built with fauxqs's own
 * `buildApp` and listened on here; `host` is still given so queue URLs read as before.
 */
export async function startSqsEmulator(port = 0): Promise<SqsEmulator> {
  const app = buildApp({ logger: false, host: HOST });
  await app.listen({ port, host: HOST });
  const address = app.server.address() as AddressInfo;
  return { endpoint: `http://${HOST}:${address.port}`, stop: () => app.close() };
}
