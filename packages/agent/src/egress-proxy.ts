import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Port of the proxy inside the sandbox (its own network namespace: nothing else listens there). */
export const SANDBOX_PROXY_PORT = 3128;

export interface EgressProxy {
  /** The Unix socket the sandbox's forwarder reaches the proxy through. */
  socketPath: string;
  close(): Promise<void>;
}

/** Whether `host` is one of `allowed` (`example.com`, or `*.example.com` for its subdomains). */
export function hostAllowed(host: string, allowed: string[]): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return allowed.some((entry) => {
    const rule = entry.toLowerCase();
    return rule.startsWith('*.') ? name.endsWith(rule.slice(1)) : name === rule;
  });
}

/**
 * The sandbox's only way out with --allow-host: an HTTP proxy (CONNECT for HTTPS, absolute-URI requests for
 * HTTP) on a Unix socket that is bound into the sandbox, which has no network of its own. It connects to
 * the allowed hosts only and answers 403 for any other. Hand-written (~60 lines) rather than a proxy
 * package: it needs exactly CONNECT, plain forwarding and a host check, over a Unix socket.
 */
export async function startEgressProxy(allowed: string[]): Promise<EgressProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'aiworker-egress-'));
  const socketPath = join(dir, 'proxy.sock');
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return deny(res, 400, 'the sandbox proxy takes absolute URLs (HTTP_PROXY)');
    }
    if (target.protocol !== 'http:') return deny(res, 400, `the sandbox proxy forwards http: (use CONNECT for https), got ${target.protocol}`);
    if (!hostAllowed(target.hostname, allowed)) return deny(res, 403, `${target.hostname} is not an --allow-host of this runner`);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => deny(res, 502, `could not reach ${target.host}: ${error.message}`));
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!match || !hostAllowed(match[1], allowed)) {
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\n${match?.[1] ?? req.url} is not an --allow-host of this runner\n`);
      return;
    }
    const upstream = connect(Number(match[2]), match[1].replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

function deny(res: ServerResponse, status: number, message: string) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(`${message}\n`);
}

/**
 * Runs inside the sandbox (node -e): listens on 127.0.0.1:PORT, pipes each connection to the proxy's Unix
 * socket, and runs the coding command as its child, exiting with its code (signals passed on).
 */
export const FORWARDER = `
const net = require('node:net'); const { spawn } = require('node:child_process');
const [port, socketPath, command] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream); upstream.pipe(client);
  client.on('error', () => upstream.destroy()); upstream.on('error', () => client.destroy());
});
server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn('/bin/sh', ['-c', command], { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
});
`;
