/**
 * A background task on a timer: it runs `intervalMs` after the previous run ended (the first one too), never two
 * at once; a run that fails is reported to `onError` and the next interval tries again. `runNow()` joins the run
 * in flight or starts one; `close()` stops the timer and waits for the run in flight, which can ask `closing()`
 * to end early.
 */
export function startPeriodicTask(options: {
  intervalMs: number;
  run: (closing: () => boolean) => Promise<void>;
  onError: (error: unknown) => void;
}): { runNow(): Promise<void>; close(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  function runNow(): Promise<void> {
    running ??= options
      .run(() => closed)
      .catch(options.onError)
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      void runNow().then(schedule);
    }, options.intervalMs);
    timer.unref();
  }

  schedule();
  return {
    runNow,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
