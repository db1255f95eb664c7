import { type Static, Type } from '@sinclair/typebox';
import argon2 from 'argon2';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClickCap } from '../domain/click-cap.ts';
import type { ClickRecorder } from '../domain/click-recorder.ts';
import type { PasswordAttempts } from '../domain/password-attempts.ts';
import { PASSWORD_PAGE_CSP, renderPasswordPage } from '../domain/password-page.ts';
import type { RedirectLink } from '../domain/ports.ts';
import { cacheControl, locationFor, rawQuery } from '../domain/redirect-answer.ts';
import type { LinkResolver } from '../domain/resolve-link.ts';
import type { UnlockCookies } from '../domain/unlock-cookie.ts';
import { isHumanClick, type UserAgentInfo } from '../domain/user-agent.ts';
import { takeHandedLookup } from '../http/handed-lookup.ts';
import { sendProblem } from '../http/problem.ts';

export interface RedirectRouteDeps {
  resolver: LinkResolver;
  clickCap: ClickCap;
  /** The recorder's classifier: what flags a click as a bot decides whether it counts against a cap. */
  classifyUserAgent: (userAgent: string | undefined) => UserAgentInfo;
  recordClick: ClickRecorder;
  unlockCookies: UnlockCookies;
  passwordAttempts: PasswordAttempts;
  domainOf: (host: string | undefined) => string;
  /** Answers an unknown code: 404, or 429 once the client has asked for too many unknown codes. */
  notFound: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  countryHeader: string | undefined;
  secureCookies: boolean;
  /** Counts a redirect this route served (the fast path counts its own). */
  onServed: () => void;
  now: () => number;
}

const CODE = /^[A-Za-z0-9_-]{1,64}$/;

const Params = Type.Object({ code: Type.String({ maxLength: 2048 }) });
const PasswordBody = Type.Object({ password: Type.String({ maxLength: 1024 }) });
type Params = Static<typeof Params>;
type PasswordBody = Static<typeof PasswordBody>;

export function registerRedirectRoutes(app: FastifyInstance, deps: RedirectRouteDeps): void {
  const { resolver, clickCap, recordClick, unlockCookies, passwordAttempts, domainOf, notFound, now } = deps;
  const countryHeader = deps.countryHeader?.toLowerCase();

  function redirect(
    request: FastifyRequest,
    reply: FastifyReply,
    link: RedirectLink,
    location: string,
    status: number,
  ): void {
    const headers = request.headers;
    recordClick(link.id, {
      method: request.method,
      ip: request.ip,
      userAgent: headers['user-agent'],
      referer: headers.referer,
      country: countryHeader === undefined ? undefined : headers[countryHeader],
    });
    reply
      .code(status)
      .headers({ location, 'cache-control': cacheControl(link, status), 'x-robots-tag': 'noindex' })
      .send();
    deps.onServed();
  }

  /** Cap check (Redis, only for capped links) then the redirect; everything else is synchronous. */
  function serveRedirect(
    request: FastifyRequest,
    reply: FastifyReply,
    link: RedirectLink,
    status: number,
  ): undefined | Promise<unknown> {
    const location = locationFor(link, rawQuery(request.url));
    if (location === null) {
      // The API validates destinations; a stored one we cannot serve is a data problem, not the visitor's.
      request.log.warn({ linkId: link.id }, 'stored destination is not a valid http(s) URL');
      return notFound(request, reply);
    }
    if (link.maxClicks === null) {
      redirect(request, reply, link, location, status);
      return undefined;
    }
    // Bots, HEAD and requests without a User-Agent see whether the cap is reached but take no slot: a link
    // preview or a scanner must not use up a one-time link. They are still recorded, as bot clicks.
    const human = isHumanClick(request.method, deps.classifyUserAgent(request.headers['user-agent']));
    const decision = human ? clickCap.take(link.id, link.maxClicks) : clickCap.check(link.id, link.maxClicks);
    return decision.then(
      (decision) => {
        if (decision === 'exhausted') return sendProblem(reply, 'gone');
        redirect(request, reply, link, location, status);
        return undefined;
      },
      (error: unknown) => {
        request.log.error({ err: error, linkId: link.id }, 'click cap unavailable');
        return sendProblem(reply, 'unavailable');
      },
    );
  }

  function sendPasswordPage(
    request: FastifyRequest,
    reply: FastifyReply,
    code: string,
    status: number,
    error?: string,
  ): FastifyReply {
    const query = rawQuery(request.url);
    const action = query === '' ? `/${code}` : `/${code}?${query}`;
    return reply
      .code(status)
      .headers({
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': PASSWORD_PAGE_CSP,
        'cache-control': 'no-store',
        'x-robots-tag': 'noindex',
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      })
      .send(renderPasswordPage({ action, error }));
  }

  function serve(
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    link: RedirectLink | null,
  ): undefined | Promise<unknown> {
    if (link === null) return notFound(request, reply);
    if (link.expiresAt !== null && link.expiresAt <= now()) {
      sendProblem(reply, 'gone');
      return undefined;
    }
    if (link.passwordHash !== null) {
      const cookies = request.headers.cookie;
      const unlocked =
        cookies !== undefined &&
        unlockCookies.verify(
          request.server.parseCookie(cookies)[unlockCookies.name(link.id)],
          link.id,
          link.passwordHash,
          now(),
        );
      if (!unlocked) {
        sendPasswordPage(request, reply, request.params.code, 200);
        return undefined;
      }
    }
    return serveRedirect(request, reply, link, link.redirectType);
  }

  function unavailable(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
    request.log.error({ err: error }, 'link lookup unavailable');
    return sendProblem(reply, 'unavailable');
  }

  // Deliberately not async: an LRU hit answers without allocating a promise or touching Redis.
  app.get<{ Params: Params }>('/:code', { schema: { params: Params } }, (request, reply) => {
    const { code } = request.params;
    if (!CODE.test(code)) return notFound(request, reply);
    const domain = domainOf(request.host);
    // The fast path looked this request up already and left the answer to this route.
    const handed = takeHandedLookup(request.raw, domain, code);
    if (handed !== undefined) {
      return handed.link === undefined
        ? unavailable(request, reply, handed.error)
        : serve(request, reply, handed.link);
    }
    const cached = resolver.peek(domain, code);
    if (cached !== undefined) return serve(request, reply, cached);
    return resolver.resolve(domain, code).then(
      (link) => serve(request, reply, link),
      (error: unknown) => unavailable(request, reply, error),
    );
  });

  app.post<{ Params: Params; Body: PasswordBody }>(
    '/:code',
    { schema: { params: Params, body: PasswordBody } },
    async (request, reply) => {
      const { code } = request.params;
      if (!CODE.test(code)) return notFound(request, reply);
      let link: RedirectLink | null;
      try {
        link = await resolver.resolve(domainOf(request.host), code);
      } catch (error) {
        return unavailable(request, reply, error);
      }
      if (link === null) return notFound(request, reply);
      if (link.expiresAt !== null && link.expiresAt <= now()) return sendProblem(reply, 'gone');
      // 303 whatever the link's type: a 307/308 would make the browser re-POST the password to the destination.
      if (link.passwordHash === null) return serveRedirect(request, reply, link, 303);

      let attempt: Awaited<ReturnType<PasswordAttempts['charge']>>;
      try {
        attempt = await passwordAttempts.charge(link.id, request.ip);
      } catch (error) {
        request.log.error({ err: error, linkId: link.id }, 'password attempt limiter unavailable');
        return sendProblem(reply, 'unavailable');
      }
      if (!attempt.allowed) {
        reply.header('retry-after', String(attempt.retryAfterSeconds));
        return sendPasswordPage(
          request,
          reply,
          code,
          429,
          `Too many attempts. Try again in ${attempt.retryAfterSeconds} seconds.`,
        );
      }

      const valid = await argon2.verify(link.passwordHash, request.body.password).catch((error: unknown) => {
        request.log.error({ err: error, linkId: link.id }, 'stored password hash could not be verified');
        return false;
      });
      if (!valid) return sendPasswordPage(request, reply, code, 401, 'Wrong password. Try again.');
      // Not fatal: at worst the right password stays counted as a failure of the link for the window.
      await passwordAttempts.succeeded(link.id).catch((error: unknown) => {
        request.log.warn({ err: error, linkId: link.id }, 'could not give back a password attempt');
      });

      const cookie = unlockCookies.issue(link.id, link.passwordHash, now());
      reply.setCookie(unlockCookies.name(link.id), cookie.value, {
        path: `/${code}`,
        maxAge: cookie.maxAgeSeconds,
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.secureCookies,
      });
      return serveRedirect(request, reply, link, 303);
    },
  );
}
