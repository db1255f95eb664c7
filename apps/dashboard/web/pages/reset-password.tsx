// PAGE-STUB: replaced by the page itself before this lands.
export function ResetPasswordPage() {
  return (
    <section className="card">
      <h1>Reset your password</h1>
    </section>
  );
}
