import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { problemText } from '../api.ts';
import { linkKeys, type Link as ShortLink } from '../link-queries.ts';

/** A link's list saved whole with PATCH /links/:id: its redirect rules or its A/B variants. */
export type LinkListField = 'rules' | 'variants';
type ItemOf<F extends LinkListField> = ShortLink[F][number];

export interface LinkListEditorOptions<F extends LinkListField, Draft extends { key: string }> {
  link: ShortLink;
  field: F;
  /** A stored item as the form edits it. */
  draftOf: (item: ItemOf<F>) => Draft;
  /** The drafts as the API takes them, or the problems of each item and one line about them all. */
  read: (
    drafts: readonly Draft[],
  ) => { items: ItemOf<F>[] } | { problems: Record<number, string>; problem: string };
  /** The item an API problem is about (`rules[2].url: …`), or null when it is about none. */
  itemProblem: (detail: string) => { index: number; message: string } | null;
  /** Said under the form when the API refuses one item (null: the item's own message is enough). */
  refusedItem: string | null;
  words: { failed: string; saved: string; removed: string };
}

/**
 * The state and the save of a link's list editor (rules, variants): the drafts, each item's problem, the form's
 * problem and its saved line. A save PATCHes the whole list; what the API kept replaces the drafts, and a
 * problem it finds with one item shows next to that item.
 */
export function useLinkListEditor<F extends LinkListField, Draft extends { key: string }>(
  options: LinkListEditorOptions<F, Draft>,
) {
  const { link, field, draftOf, read, itemProblem, refusedItem, words } = options;
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const [drafts, setDrafts] = useState<Draft[]>(() => (link[field] as ItemOf<F>[]).map(draftOf));
  const [problems, setProblems] = useState<Record<number, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: async (items: ItemOf<F>[]) => {
      const { data, error } = await api.PATCH('/api/v1/links/{id}', {
        params: { path: { id: link.id } },
        body: { [field]: items },
      });
      if (!data) throw new Error(problemText(error, words.failed));
      return data;
    },
    onSuccess: async (updated) => {
      setDrafts((updated[field] as ItemOf<F>[]).map(draftOf));
      queryClient.setQueryData(linkKeys.one(link.id), updated);
      await queryClient.invalidateQueries({ queryKey: linkKeys.all });
    },
    onError: (error) => {
      const about = itemProblem(error.message);
      if (about) {
        setProblems({ [about.index]: about.message });
        if (refusedItem !== null) setProblem(refusedItem);
      } else setProblem(error.message);
    },
  });

  /** A change to the list: the last save's line no longer holds. */
  const edit = (next: Draft[]) => {
    setDrafts(next);
    setSaved(null);
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    setSaved(null);
    const result = read(drafts);
    if ('problems' in result) {
      setProblems(result.problems);
      setProblem(result.problem);
      return;
    }
    setProblems({});
    save.mutate(result.items, {
      onSuccess: () => setSaved(result.items.length === 0 ? words.removed : words.saved),
    });
  }

  return { drafts, edit, problems, setProblems, problem, setProblem, saved, submit, saving: save.isPending };
}
