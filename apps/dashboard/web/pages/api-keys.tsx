// PAGE-STUB: replaced by the page itself before this lands.
export function ApiKeysPage() {
  return (
    <section className="card">
      <h1>API keys</h1>
    </section>
  );
}
