// PAGE-STUB: replaced by the page itself before this lands.
export function AcceptInvitationPage() {
  return (
    <section className="card">
      <h1>Join a workspace</h1>
    </section>
  );
}
