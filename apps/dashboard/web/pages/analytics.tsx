// PAGE-STUB: replaced by the page itself before this lands.
export function AnalyticsPage() {
  return (
    <section className="card">
      <h1>Analytics</h1>
    </section>
  );
}
