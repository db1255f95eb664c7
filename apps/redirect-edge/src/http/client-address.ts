import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { createRecentMemo } from '../domain/recent-memo.ts';

/** The forwarding headers of a request, when the caller has read them from its raw headers already. */
export interface ForwardingHeaders {
  forwardedFor: string | undefined;
  forwardedHost: string | undefined;
}

export interface ClientAddress {
  /**
   * The client IP, as Fastify's `request.ip` computes it with the same trust setting. `forwarding` holds the
   * request's X-Forwarded-* headers when the caller has read them (the fast path reads raw headers); without it
   * they are read from `req.headers`.
   */
  ip(req: IncomingMessage, forwarding?: ForwardingHeaders): string;
  /**
   * The Host the request was addressed to, as Fastify's `request.host` computes it. `hostHeader` is the
   * request's Host header when the caller has read it already.
   */
  host(req: IncomingMessage, hostHeader?: string, forwarding?: ForwardingHeaders): string;
}

/** Addresses whose trust is remembered: the proxies in front and the clients seen lately. */
const TRUST_MEMO_ADDRESSES = 4096;
/** Longer than any address (an IPv6 address with a zone): asked every time, never kept. */
const MAX_MEMO_ADDRESS_LENGTH = 64;

/**
 * Client IP and Host for requests the fast path answers without Fastify. They must be the ones Fastify
 * computes for the same request (the redirect limiter and the visitor hash key on the IP, the domain comes
 * from the Host), so this uses the library Fastify itself uses, compiled from the same TRUST_PROXY list,
 * and mirrors Fastify 5's getters: the socket address when no proxy is trusted; otherwise the address
 * proxy-addr settles on, and X-Forwarded-Host (last entry) only when the direct peer is a trusted proxy.
 *
 * Behind a proxy, whether an address is trusted is asked for every hop of every request, and answering it
 * parses the address: the answer is remembered per address (a TRUST_PROXY list trusts addresses, never hop
 * positions). The forwarding headers come from the caller's one pass over the raw headers when it made one,
 * so `req.headers` (node:http builds it on first touch) is not built for them.
 */
export function createClientAddress(trustProxy: readonly string[]): ClientAddress {
  if (trustProxy.length === 0) {
    return {
      ip: (req) => req.socket.remoteAddress ?? '',
      host: (req, hostHeader) =>
        hostHeader ?? req.headers.host ?? req.headers[':authority']?.toString() ?? '',
    };
  }
  const compiled = proxyAddr.compile([...trustProxy]);
  const trusted = createRecentMemo<string, boolean>(TRUST_MEMO_ADDRESSES);
  const trust = (address: string | undefined): boolean => {
    // No address (a socket closed meanwhile) is not a proxy's; a huge one is asked, not kept.
    if (address === undefined) return false;
    if (address.length > MAX_MEMO_ADDRESS_LENGTH) return compiled(address, 0);
    let answer = trusted.get(address);
    if (answer === undefined) {
      answer = compiled(address, 0);
      trusted.set(address, answer);
    }
    return answer;
  };
  return {
    ip(req, forwarding) {
      if (forwarding === undefined) return proxyAddr(req, trust);
      const forwardedFor = forwarding.forwardedFor;
      const peer = req.socket.remoteAddress;
      if (forwardedFor === undefined || forwardedFor.length === 0) return peer as string;
      if (forwardedFor.indexOf(',') === -1 && peer !== undefined) {
        // One hop, what a single proxy in front sends: its client if the peer is trusted, as proxy-addr decides.
        const client = forwardedFor.trim();
        return client.length > 0 && trust(peer) ? client : peer;
      }
      // proxy-addr reads only these two fields of the request.
      const forwarded = { headers: { 'x-forwarded-for': forwardedFor }, socket: req.socket };
      return proxyAddr(forwarded as unknown as IncomingMessage, trust);
    },
    host(req, hostHeader, forwarding) {
      const forwardedHost =
        forwarding === undefined ? req.headers['x-forwarded-host'] : forwarding.forwardedHost;
      const peer = req.socket.remoteAddress;
      if (
        typeof forwardedHost === 'string' &&
        forwardedHost.length > 0 &&
        peer !== undefined &&
        trust(peer)
      ) {
        return lastEntry(forwardedHost);
      }
      return hostHeader ?? req.headers.host ?? req.headers[':authority']?.toString() ?? '';
    },
  };
}

function lastEntry(value: string): string {
  const comma = value.lastIndexOf(',');
  return comma === -1 ? value.trim() : value.slice(comma + 1).trim();
}
