// PAGE-STUB: replaced by the page itself before this lands.
export function WorkspaceSettingsPage() {
  return (
    <section className="card">
      <h1>Workspace settings</h1>
    </section>
  );
}
