/** The reader's locale and time zone: the browser's own Intl, no date library. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A moment from the API (ISO 8601), shown in the reader's locale; the exact value stays machine-readable. */
export function DateTime({ value, withTime = true }: { value: string; withTime?: boolean }) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span>{value}</span>;
  return (
    <time dateTime={value} title={date.toISOString()}>
      {(withTime ? dateTime : dateOnly).format(date)}
    </time>
  );
}
