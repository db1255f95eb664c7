import type { Link } from '@boltlink/api-client/client';
import { useQuery } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { problemText } from '../api.ts';
import { ErrorText } from './error-text.tsx';

type QrFormat = 'svg' | 'png';

/** The QR code of a link's short URL as the API draws it (GET /links/:id/qr), as a Blob. */
function useQrBlob() {
  const { api } = useRouteContext({ from: '__root__' });
  return async (id: string, format: QrFormat): Promise<Blob> => {
    const { data, error } = await api.GET('/api/v1/links/{id}/qr', {
      params: { path: { id }, query: { format, ...(format === 'png' ? { size: 1024 } : {}) } },
      parseAs: 'blob',
    });
    if (!data) throw new Error(problemText(error, `could not draw the ${format.toUpperCase()} QR code`));
    return data;
  };
}

/**
 * The QR code shown from an object URL (the CSP allows `img-src blob:`; the API answers only with the session
 * cookie, which an <img src> to the API's origin would not carry under SameSite=Strict across ports), and
 * downloads of it as SVG and PNG files named after the code.
 */
export function QrCode({ link }: { link: Link }) {
  const fetchQr = useQrBlob();
  const [problem, setProblem] = useState<string | null>(null);
  const preview = useQuery({
    queryKey: ['links', 'qr', link.id, link.shortUrl],
    queryFn: () => fetchQr(link.id, 'svg'),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!preview.data) return;
    const url = URL.createObjectURL(preview.data);
    setPreviewUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [preview.data]);

  async function download(format: QrFormat) {
    setProblem(null);
    try {
      const blob = await fetchQr(link.id, format);
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `${link.code}-qr.${format}`;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      // The browser has taken the file once the click returned; a moment later the URL can go.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : 'could not download the QR code');
    }
  }

  return (
    <div className="qr">
      {preview.isPending && <p>Drawing the QR code…</p>}
      <ErrorText error={preview.error} />
      {previewUrl && (
        <img
          src={previewUrl}
          alt={`QR code of ${link.shortUrl}`}
          width={192}
          height={192}
          className="qr-image"
        />
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void download('svg')}>
          Download SVG
        </button>
        <button type="button" className="secondary" onClick={() => void download('png')}>
          Download PNG
        </button>
      </div>
      <ErrorText error={problem} />
    </div>
  );
}
