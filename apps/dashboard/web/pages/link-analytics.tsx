// PAGE-STUB: replaced by the page itself before this lands.
export function LinkAnalyticsPage() {
  return (
    <section className="card">
      <h1>Link analytics</h1>
    </section>
  );
}
