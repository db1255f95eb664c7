// PAGE-STUB: replaced by the page itself before this lands.
export function DomainsPage() {
  return (
    <section className="card">
      <h1>Domains</h1>
    </section>
  );
}
