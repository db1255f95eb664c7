/**
 * The edge's work-arounds for node:http's own costs, in one place. Each says what it replaces, what it
 * saves (measured with bench/edge-ab.ts, both builds side by side in one run) and when it can go.
 *
 * Gone with Node 26 (docs/adr/0013-pinned-node-runtime.md):
 * - `skipDrain`, which set the private `_dumped` flag of an answered bodyless request so node would not
 *   drain it: Node 26's public server option `optimizeEmptyRequests` does the same for every request
 *   without Content-Length or Transfer-Encoding (EMPTY_REQUEST_OPTIONS below);
 * - `retainNextTickShape` (@boltlink/cluster), which kept a V8 hidden class alive: Node 26 builds its
 *   next-tick entries with a class, so there is no object-literal feedback left to go megamorphic.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

/**
 * Node 26's answer to the request drain: a request that declares no body is ended at once, without the
 * resume/end/destroy ticks node otherwise runs for every request nobody read (about 8% of a cached
 * redirect's CPU when it was measured on Node 20). Public API, typed here because @types/node is older.
 *
 * On Node 26.12.1, bench/edge-ab.ts read the edge without it at 1.034 and (the other way round) 1/0.963 = 1.038
 * times the CPU per hot redirect of the edge with it (2026-12-07, host load 18-37:
 * bench/results/edge-ab-no-empty-request-option-*.md). Not a work-around: it stays while node:http keeps the
 * option off by default.
 */
export const EMPTY_REQUEST_OPTIONS = { optimizeEmptyRequests: true } as const;

/** Sweeps per silence timeout: a connection is closed after one timeout and at most two tenths more of silence. */
const SWEEPS_PER_TIMEOUT = 10;
const MIN_SWEEP_INTERVAL_MS = 50;

interface Traffic {
  read: number;
  written: number;
  /** When `read` or `written` last changed (or the connection opened), by the sweep's clock. */
  since: number;
}

/**
 * Replaces node:http's keep-alive timer: closes (destroys, as node does when its timeouts fire) each
 * connection of `server` that has read and written nothing for `silenceMs`. The caller sets node's
 * `keepAliveTimeout` to 0.
 *
 * Why: node:http arms a socket timer when a response finishes and disarms it when the next request
 * arrives (`resOnFinish` and `resetSocketTimeout` in lib/_http_server.js, still so in Node 26): on a
 * keep-alive connection that is two timer operations per request, a few percent of a cached redirect.
 * Here nothing runs per request: a sweep every tenth of the timeout compares each connection's byte
 * counters with what it saw last (so a change is seen up to one sweep late, and the close comes up to one
 * sweep after the timeout).
 *
 * What differs from node's own keep-alive handling:
 * - no `Keep-Alive: timeout=…` hint in responses (node sends it only with its own timer). Clients that read
 *   it (Node's agent, undici) default to idle timeouts of a few seconds, far below the edge's;
 * - silence counts whether or not a request is in flight, as with node's `server.timeout`: a request that
 *   moves no byte for the whole timeout loses its connection;
 * - a connection that never sends a request is closed too (node's keep-alive timer never starts for it).
 *
 * Still worth it on Node 26.12.1: bench/edge-ab.ts, this build against the same build with node's
 * `keepAliveTimeout` instead, read node's timer at 1.026 and (the other way round) 1/0.891 = 1.12 times the
 * sweep's CPU per hot redirect (2026-12-07, host load 17-24: bench/results/edge-ab-node-keepalive-*.md).
 *
 * Delete it when node:http stops arming a timer per keep-alive request, or when bench/edge-ab.ts shows
 * this build and one using node's `keepAliveTimeout` within 1% of each other.
 */
export function closeSilentConnections(server: http.Server, silenceMs: number): void {
  const connections = new Map<Socket, Traffic>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { read: socket.bytesRead, written: socket.bytesWritten, since: Date.now() });
    socket.once('close', () => connections.delete(socket));
  });

  function sweep(): void {
    const time = Date.now();
    for (const [socket, traffic] of connections) {
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      if (read !== traffic.read || written !== traffic.written) {
        traffic.read = read;
        traffic.written = written;
        traffic.since = time;
      } else if (time - traffic.since >= silenceMs) {
        connections.delete(socket);
        socket.destroy();
      }
    }
  }

  const timer = setInterval(
    sweep,
    Math.max(MIN_SWEEP_INTERVAL_MS, Math.floor(silenceMs / SWEEPS_PER_TIMEOUT)),
  );
  // The sweep never keeps a process alive, and stops with the server.
  timer.unref();
  server.once('close', () => clearInterval(timer));
}
