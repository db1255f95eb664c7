// PAGE-STUB: replaced by the page itself before this lands.
export function LinkImportPage() {
  return (
    <section className="card">
      <h1>Import links</h1>
    </section>
  );
}
