// PAGE-STUB: replaced by the page itself before this lands.
export function ConfirmSignupPage() {
  return (
    <section className="card">
      <h1>Confirm your email</h1>
    </section>
  );
}
