// PAGE-STUB: replaced by the page itself before this lands.
export function AuditLogPage() {
  return (
    <section className="card">
      <h1>Audit log</h1>
    </section>
  );
}
