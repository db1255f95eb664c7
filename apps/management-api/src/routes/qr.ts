import QRCode from 'qrcode';
import { Type } from 'typebox';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { AUTHED, IdParams, problems } from '../schemas/common.ts';
import { QR_PNG_MAX_SIZE, QrQuery } from '../schemas/links.ts';
import type { AccountBudget } from '../services/account-budget.ts';
import type { LinkService } from '../services/link-service.ts';
import type { App } from '../types.ts';

// Medium error correction survives a logo sticker or a scuffed print without bloating the code.
const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** PNG rendering cost grows with the pixel count: one budget unit per 256×256 px, rounded up. */
export const qrPngUnits = (size: number): number => Math.ceil((size / 256) ** 2);

export function qrRoutes(
  app: App,
  deps: { links: LinkService; authenticator: Authenticator; pngBudget: AccountBudget },
): void {
  app.get(
    '/links/:id/qr',
    {
      preParsing: deps.authenticator.require('links:read'),
      schema: {
        tags: ['links'],
        summary: 'QR code of the short URL, as SVG or PNG',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        querystring: QrQuery,
        produces: ['image/svg+xml', 'image/png'],
        response: {
          200: {
            description: 'The QR code image',
            content: {
              'image/svg+xml': { schema: Type.String() },
              'image/png': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
            },
          },
          ...problems(...AUTHED, 'not_found'),
        },
      },
    },
    async (request, reply) => {
      const width = request.query.size ?? 512;
      if (request.query.format === 'png' && width > QR_PNG_MAX_SIZE) {
        throw new AppError('validation_failed', `size: must be <= ${QR_PNG_MAX_SIZE} for PNG`);
      }
      const { workspaceId } = accessOf(request);
      const link = await deps.links.get(workspaceId, request.params.id);
      reply.header('cache-control', 'private, max-age=300');
      if (request.query.format === 'png') {
        await deps.pngBudget.charge(workspaceId, qrPngUnits(width));
        const png = await QRCode.toBuffer(link.shortUrl, {
          ...QR_OPTIONS,
          type: 'png',
          width,
        });
        return reply.type('image/png').send(png);
      }
      const svg = await QRCode.toString(link.shortUrl, {
        ...QR_OPTIONS,
        type: 'svg',
        width,
      });
      return reply.type('image/svg+xml').send(svg);
    },
  );
}
