/**
 * The one way a page shows what went wrong: an alert (read out by screen readers as it appears) in the error
 * colour. Renders nothing while there is no error, so a page writes `<ErrorText error={query.error} />`.
 */
export function ErrorText({ error }: { error: Error | string | null | undefined | false }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {typeof error === 'string' ? error : error.message}
    </p>
  );
}
