import { createHash } from 'node:crypto';

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:0;min-height:100vh;display:grid;place-items:center;background:#f6f7f9;color:#1b1d21}',
  'main{background:#fff;padding:2rem;border-radius:.75rem;box-shadow:0 1px 4px rgba(0,0,0,.12);width:min(22rem,90vw)}',
  'h1{font-size:1.25rem;margin:0 0 1rem}',
  'label{display:block;font-weight:600;margin-bottom:.35rem}',
  'input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #8a8f98;border-radius:.4rem}',
  'input:focus{outline:3px solid #2f6feb;outline-offset:1px}',
  'button{margin-top:1rem;width:100%;padding:.65rem;font-size:1rem;border:0;border-radius:.4rem;background:#1f5fd6;color:#fff;cursor:pointer}',
  'button:focus{outline:3px solid #0b2e73;outline-offset:2px}',
  '.error{color:#a4161a;margin:.5rem 0 0}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/**
 * No scripts, no external assets: the only thing the page may load is its own inline style (by hash), and the
 * form may only post back to this origin. It may not be framed (clickjacking a password prompt).
 */
export const PASSWORD_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export interface PasswordPageOptions {
  /** Path and query the form posts to; escaped here. */
  action: string;
  error?: string;
}

export function renderPasswordPage({ action, error }: PasswordPageOptions): string {
  const errorBlock =
    error === undefined ? '' : `<p class="error" id="password-error" role="alert">${escapeHtml(error)}</p>`;
  const describedBy = error === undefined ? '' : ' aria-describedby="password-error" aria-invalid="true"';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Password required</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>This link is password protected</h1>
<form method="post" action="${escapeHtml(action)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus maxlength="1024"${describedBy}>
${errorBlock}
<button type="submit">Continue</button>
</form>
</main>
</body>
</html>
`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
