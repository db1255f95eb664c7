import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId } from 'react';
import { problemText } from '../api.ts';
import { ImportCsvLink } from '../ui/import-csv-link.tsx';

export function LinksPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();

  const links = useQuery({
    queryKey: ['links'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/links', { params: { query: { limit: 100 } } });
      if (!data) throw new Error(problemText(error, 'could not load the links'));
      return data.items;
    },
  });

  const create = useMutation({
    mutationFn: async (body: { url: string; alias?: string }) => {
      const { data, error } = await api.POST('/api/v1/links', { body });
      if (!data) throw new Error(problemText(error, 'could not create the link'));
      return data;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['links'] }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const alias = String(form.get('alias') ?? '').trim();
    create.mutate(
      { url: String(form.get('url')), ...(alias ? { alias } : {}) },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <>
      <section className="card">
        <h1>Links</h1>
        <form className="inline" onSubmit={submit}>
          <div>
            <label htmlFor={`${id}-url`}>Destination URL</label>
            <input id={`${id}-url`} name="url" type="url" placeholder="https://example.com/page" required />
          </div>
          <div>
            <label htmlFor={`${id}-alias`}>Alias (optional)</label>
            <input id={`${id}-alias`} name="alias" type="text" pattern="[A-Za-z0-9_\-]{3,64}" />
          </div>
          <button type="submit" disabled={create.isPending}>
            Create link
          </button>
        </form>
        {create.error && (
          <p role="alert" className="error">
            {create.error.message}
          </p>
        )}
        <ImportCsvLink />
      </section>
      <section className="card">
        {links.isPending && <p>Loading…</p>}
        {links.error && (
          <p role="alert" className="error">
            {links.error.message}
          </p>
        )}
        {links.data && links.data.length === 0 && <p>No links yet: create the first one above.</p>}
        {links.data && links.data.length > 0 && (
          <table>
            <caption>Your links, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Short URL</th>
                <th scope="col">Destination</th>
                <th scope="col">Clicks</th>
              </tr>
            </thead>
            <tbody>
              {links.data.map((link) => (
                <tr key={link.id}>
                  <td>
                    <a href={link.shortUrl}>{link.shortUrl}</a>
                  </td>
                  <td className="url">{link.url}</td>
                  <td data-testid="clicks">{link.clicks}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
