// PAGE-STUB: replaced by the page itself before this lands.
export function LinkPage() {
  return (
    <section className="card">
      <h1>Link</h1>
    </section>
  );
}
