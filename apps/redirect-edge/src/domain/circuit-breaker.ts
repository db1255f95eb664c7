export type BreakerState = 'closed' | 'open' | 'half-open';

/** What a caller may do now: go ahead, go ahead as the one probe of a half-open breaker, or not ask at all. */
export type BreakerTicket = 'pass' | 'probe' | 'skip';

export interface CircuitBreaker {
  acquire(): BreakerTicket;
  /** The outcome of a call made with a `pass` or `probe` ticket. */
  report(ticket: BreakerTicket, ok: boolean): void;
  readonly state: BreakerState;
}

export interface CircuitBreakerOptions {
  /** How long the breaker stays open after a failure before one call probes the dependency again. */
  cooldownMs: number;
  now?: () => number;
  onChange?: (state: BreakerState, previous: BreakerState) => void;
}

/**
 * A circuit breaker around a dependency that can hang. Closed: every call goes through, and the first failure
 * opens it. Open: no call goes through until `cooldownMs` has passed; then one call probes (half-open) while the
 * others still skip, and its outcome closes the breaker or opens it for another cooldown.
 *
 * Outcomes of calls that started before the breaker opened are ignored: only the probe decides to close it, so a
 * late answer from the frozen dependency cannot close it early, and a late failure cannot extend the cooldown.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  let state: BreakerState = 'closed';
  let openedAt = 0;

  function move(next: BreakerState): void {
    const previous = state;
    if (previous === next) return;
    state = next;
    options.onChange?.(next, previous);
  }

  return {
    acquire() {
      if (state === 'closed') return 'pass';
      if (state === 'open' && now() - openedAt >= options.cooldownMs) {
        move('half-open');
        return 'probe';
      }
      return 'skip';
    },
    report(ticket, ok) {
      if (ticket === 'skip') return;
      if (ticket === 'probe') {
        if (ok) move('closed');
        else {
          openedAt = now();
          move('open');
        }
        return;
      }
      if (!ok && state === 'closed') {
        openedAt = now();
        move('open');
      }
    },
    get state() {
      return state;
    },
  };
}
