import { escapeHtml, renderEdgePage } from './edge-page.ts';

/**
 * What a person sees in place of a redirect the edge cannot give: what happened, in plain words, and what they
 * can do about it. Nothing of the edge's insides (no code names, no stack); an outage carries a short reference
 * that is also in the log line, so a report can be matched to it.
 */

/** Why a link that existed no longer redirects. */
export type GoneReason = 'expired' | 'capped' | 'blocked';

export type ProblemPage =
  | { kind: 'not-found'; address: string }
  /** `reason` undefined: a link that no longer works, for a reason the page does not name. */
  | { kind: 'gone'; reason: GoneReason | undefined; address: string }
  | { kind: 'rate-limited'; retryAfterSeconds: number | undefined }
  | { kind: 'unavailable'; reference: string | undefined };

/** The longest address a page repeats; a longer one is cut (it cannot be a link anyway). */
const MAX_ADDRESS = 80;

const GONE_TEXT: Record<GoneReason, { title: string; text: string }> = {
  expired: { title: 'This link has expired', text: 'It was set to work until a date that has passed.' },
  capped: { title: 'This link is used up', text: 'It was set to work for a limited number of visits.' },
  blocked: {
    title: 'This link has been disabled',
    text: 'The service that runs this short domain has turned it off.',
  },
};

const GONE_ANY = { title: 'This link no longer works', text: 'It has been turned off.' };

const ASK_SENDER = 'If someone sent it to you, ask them for a new one.';

/** A sentence around the address the visitor asked for (the path they typed: escaped, cut when long). */
function addressLine(before: string, address: string, after: string): string {
  const shown = address.length > MAX_ADDRESS ? `${address.slice(0, MAX_ADDRESS)}…` : address;
  return `<p>${before} <span class="address">${escapeHtml(shown)}</span>${after}</p>`;
}

function waitText(seconds: number | undefined): string {
  if (seconds === undefined) return 'Wait a moment, then try again.';
  if (seconds < 120) return `Wait ${seconds} second${seconds === 1 ? '' : 's'}, then try again.`;
  return `Wait about ${Math.ceil(seconds / 60)} minutes, then try again.`;
}

export function renderProblemPage(page: ProblemPage): string {
  switch (page.kind) {
    case 'not-found':
      return renderEdgePage(
        'Link not found',
        `<h1>Link not found</h1>
${addressLine('There is no link at', page.address, '.')}
<p>Check the address for typing mistakes. ${ASK_SENDER}</p>`,
      );
    case 'gone': {
      const { title, text } = page.reason === undefined ? GONE_ANY : GONE_TEXT[page.reason];
      return renderEdgePage(
        title,
        `<h1>${escapeHtml(title)}</h1>
${addressLine('The link at', page.address, ' no longer leads anywhere.')}
<p>${escapeHtml(text)} ${ASK_SENDER}</p>`,
      );
    }
    case 'rate-limited':
      return renderEdgePage(
        'Too many requests',
        `<h1>Too many requests</h1>
<p>This address has had too many requests from your network in a short time.</p>
<p>${escapeHtml(waitText(page.retryAfterSeconds))}</p>`,
      );
    case 'unavailable':
      return renderEdgePage(
        'Temporarily unavailable',
        `<h1>Temporarily unavailable</h1>
<p>We cannot open this link right now. Nothing is wrong with the link or your device.</p>
<p>Try again in a minute.</p>${
          page.reference === undefined
            ? ''
            : `\n<p class="reference">Reference: ${escapeHtml(page.reference)}</p>`
        }`,
      );
  }
}
