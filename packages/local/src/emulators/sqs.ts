import { startFauxqs } from 'fauxqs';

export interface SqsEmulator {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts fauxqs (the SQS wire protocol, in-process). */
export async function startSqsEmulator(port = 0): Promise<SqsEmulator> {
  const server = await startFauxqs({ port, logger: false, host: '127.0.0.1' });
  return { endpoint: server.address, stop: () => server.stop() };
}
