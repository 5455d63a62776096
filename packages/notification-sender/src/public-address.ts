import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a notification must not reach unless the deployment allows it (AIWORKER_NOTIFY_ALLOW_PRIVATE):
 * this machine, the link-local range (the cloud's metadata service at 169.254.169.254), private and
 * shared networks, and what is not a single host. Node's own BlockList (no dependency): the IANA
 * special-purpose registries, the ranges that can reach inside a deployment.
 */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: an IPv4 address inside
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) internal.addSubnet(network, prefix, 'ipv6');

/** Whether an address (v4, v6, or v4 mapped into v6) is loopback, link-local, private or otherwise internal. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return internal.check(mapped[1], 'ipv4');
  // The same, as URLs write it: [::ffff:127.0.0.1] becomes ::ffff:7f00:1.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return internal.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  const family = isIP(address);
  if (family === 0) return true;
  return internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The request went to an address the deployment does not allow. */
export class InternalAddressError extends Error {}

/**
 * A DNS lookup for the socket itself: resolves every address of the name, refuses them all if any is
 * internal, and hands the checked addresses to the connection, so what is checked is what is connected
 * to (no second resolution for a rebinding DNS server to answer differently).
 */
const checkedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as LookupAddress[];
    if (list.length === 0 || list.some((entry) => isInternalAddress(entry.address))) {
      return callback(new InternalAddressError(`${hostname} resolves to an internal address`), '', 0);
    }
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, list);
    callback(null, list[0].address, list[0].family);
  });
};

export interface PostResult {
  status: number;
  headers: IncomingMessage['headers'];
}

/**
 * POSTs `body` to `url` (http or https), never following a redirect. Unless `allowInternal`, an address
 * that is internal (literal, or any address the name resolves to) is refused with InternalAddressError
 * before anything is sent.
 */
export function postTo(url: URL, init: { headers: Record<string, string>; body: string; timeoutMs: number; allowInternal: boolean }): Promise<PostResult> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!init.allowInternal && isIP(host) && isInternalAddress(host)) return Promise.reject(new InternalAddressError(`${host} is an internal address`));
  // Node's own modules, taken when a notification is sent rather than imported: an ESM import of node:http
  // builds its module namespace, whose WebSocket getter compiles Node's bundled undici (about 15–20 ms of every
  // cold start of the worker and the REST functions that send notifications, on AWS too, where nothing else
  // loads node:http). process.getBuiltinModule hands over the module without that namespace.
  const send = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        signal: AbortSignal.timeout(init.timeoutMs),
        ...(init.allowInternal ? {} : { lookup: checkedLookup }),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}
