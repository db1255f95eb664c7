/** At most `slots` of the functions given to `run` are in flight at once; the others wait in order. */
export function createSemaphore(slots: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      try {
        return await fn();
      } finally {
        // The slot passes straight to the next waiter, so `active` only drops when nobody waits.
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
    get active() {
      return active;
    },
  };
}
