/** What a paged query offers (TanStack Query's infinite query): whether there is more and how to fetch it. */
interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage(): Promise<unknown>;
}

/** The "Load more" button of a cursor-paged list: shown while there are more pages, busy while one loads. */
export function LoadMore({ pages }: { pages: Pages }) {
  if (!pages.hasNextPage) return null;
  return (
    <button
      type="button"
      className="secondary"
      disabled={pages.isFetchingNextPage}
      onClick={() => void pages.fetchNextPage()}
    >
      {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
    </button>
  );
}
