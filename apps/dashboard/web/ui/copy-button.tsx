import { useState } from 'react';

/** Copies a value (a short URL, a new API key, a DNS record) and says so where screen readers hear it. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
    setTimeout(() => setCopied(null), 2000);
  }
  return (
    <>
      <button type="button" className="secondary" onClick={() => void copy()} aria-label={label}>
        Copy
      </button>
      <span role="status" className="muted">
        {copied === true ? 'Copied' : copied === false ? 'Copy failed: select and copy it by hand' : ''}
      </span>
    </>
  );
}
