import { escapeHtml, renderEdgePage } from './edge-page.ts';

export interface PasswordPageOptions {
  /** Path and query the form posts to; escaped here. */
  action: string;
  error?: string;
}

export function renderPasswordPage({ action, error }: PasswordPageOptions): string {
  const errorBlock =
    error === undefined ? '' : `<p class="error" id="password-error" role="alert">${escapeHtml(error)}</p>`;
  const describedBy = error === undefined ? '' : ' aria-describedby="password-error" aria-invalid="true"';
  return renderEdgePage(
    'Password required',
    `<h1>This link is password protected</h1>
<form method="post" action="${escapeHtml(action)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus maxlength="1024"${describedBy}>
${errorBlock}
<button type="submit">Continue</button>
</form>`,
  );
}
