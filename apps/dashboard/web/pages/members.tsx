// PAGE-STUB: replaced by the page itself before this lands.
export function MembersPage() {
  return (
    <section className="card">
      <h1>Members</h1>
    </section>
  );
}
