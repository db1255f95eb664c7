// PAGE-STUB: replaced by the page itself before this lands.
export function AccountPage() {
  return (
    <section className="card">
      <h1>Account</h1>
    </section>
  );
}
