import { createHook } from 'node:async_hooks';

/** The entry kept alive; module state so a second call keeps the first. */
let retained: object | undefined;

/**
 * Keeps one `process.nextTick` queue entry alive for the life of the process, so that the hidden classes (V8
 * maps) those entries are built through never die.
 *
 * runClustered calls it in every process that serves (the redirect edge and the management API), and the
 * analytics consumer calls it at start-up. Every request node:http serves schedules next-tick callbacks (the
 * request stream's resume and end), as do the socket streams of queue and database clients, and each
 * allocates Node's entry `{ [async_id_symbol], [trigger_async_id_symbol], callback, args }`. V8 builds an
 * object literal with computed keys one property at a time and remembers, per property, the single map it
 * saw. That record has no polymorphic state: the first different map makes it megamorphic for good, and from
 * then on every entry is built by a runtime call with map lookups (measured: a cached redirect went from
 * ~14.5 to ~20 µs of CPU, for the rest of the process's life).
 *
 * The maps after the first property are held only by live entries, and an entry lives for one tick. A full
 * GC at a moment when no entry is queued (during start-up, or in a quiet hour) frees them; the
 * next entry is built through new maps and the record turns megamorphic. It happened in about one redirect
 * edge process in four under the benchmark. One entry held here keeps the whole chain of maps alive: each map
 * holds its parent.
 *
 * Harmless where Node builds the entry differently: one small object is kept, nothing else changes.
 */
export function retainNextTickShape(): void {
  if (retained !== undefined) return;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type !== 'TickObject' || retained !== undefined) return;
      retained = resource;
      hook.disable();
    },
  });
  hook.enable();
  process.nextTick(noop);
  // nextTick reports its entry synchronously; never leave the hook on, even if it did not.
  hook.disable();
}

function noop(): void {}
