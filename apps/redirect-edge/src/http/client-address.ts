import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

export interface ClientAddress {
  /** The client IP, as Fastify's `request.ip` computes it with the same trust setting. */
  ip(req: IncomingMessage): string;
  /**
   * The Host the request was addressed to, as Fastify's `request.host` computes it. `hostHeader` is the
   * request's Host header when the caller has read it already (the fast path reads raw headers).
   */
  host(req: IncomingMessage, hostHeader?: string): string;
}

/**
 * Client IP and Host for requests the fast path answers without Fastify. They must be the ones Fastify
 * computes for the same request (the redirect limiter and the visitor hash key on the IP, the domain comes
 * from the Host), so this uses the library Fastify itself uses, compiled from the same TRUST_PROXY list,
 * and mirrors Fastify 5's getters: the socket address when no proxy is trusted; otherwise the address
 * proxy-addr settles on, and X-Forwarded-Host (last entry) only when the direct peer is a trusted proxy.
 */
export function createClientAddress(trustProxy: readonly string[]): ClientAddress {
  if (trustProxy.length === 0) {
    return {
      ip: (req) => req.socket.remoteAddress ?? '',
      host: (req, hostHeader) =>
        hostHeader ?? req.headers.host ?? req.headers[':authority']?.toString() ?? '',
    };
  }
  const trust = proxyAddr.compile([...trustProxy]);
  return {
    ip: (req) => proxyAddr(req, trust),
    host(req, hostHeader) {
      const forwarded = req.headers['x-forwarded-host'];
      const peer = req.socket.remoteAddress;
      if (typeof forwarded === 'string' && forwarded.length > 0 && peer !== undefined && trust(peer, 0)) {
        return lastEntry(forwarded);
      }
      return hostHeader ?? req.headers.host ?? req.headers[':authority']?.toString() ?? '';
    },
  };
}

function lastEntry(value: string): string {
  const comma = value.lastIndexOf(',');
  return comma === -1 ? value.trim() : value.slice(comma + 1).trim();
}
