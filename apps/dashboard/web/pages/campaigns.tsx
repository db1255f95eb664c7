// PAGE-STUB: replaced by the page itself before this lands.
export function CampaignsPage() {
  return (
    <section className="card">
      <h1>Campaigns</h1>
    </section>
  );
}
