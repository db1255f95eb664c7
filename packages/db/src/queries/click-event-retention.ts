const DAY_MS = 86_400_000;

/**
 * The first moment whose raw click events are kept: midnight UTC, `retentionDays` days before `now`'s UTC day.
 * click_events holds one partition per UTC day (migration 0011), so retention drops whole days: with 90 days,
 * on 2026-12-07 the events since 2026-09-08T00:00Z are kept. The consumer's partition job drops what lies
 * before it and the API reports it as the start of the raw data (`rawEventsSince`), from this one function.
 */
export function rawEventsKeptFrom(now: Date, retentionDays: number): Date {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return new Date(today - retentionDays * DAY_MS);
}

/** The UTC day (YYYY-MM-DD) `days` days after `day`'s UTC day. */
export function utcDay(day: Date, days = 0): string {
  return new Date(Math.floor(day.getTime() / DAY_MS) * DAY_MS + days * DAY_MS).toISOString().slice(0, 10);
}
