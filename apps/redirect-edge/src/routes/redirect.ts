import { isShortCode } from '@boltlink/db/short-code';
import argon2 from 'argon2';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { ClickCap } from '../domain/click-cap.ts';
import type { ClickRecorder } from '../domain/click-recorder.ts';
import type { DomainDirectory, ServedDomain } from '../domain/domain-directory.ts';
import { EDGE_PAGE_HEADERS } from '../domain/edge-page.ts';
import type { PasswordAttempts } from '../domain/password-attempts.ts';
import { renderPasswordPage } from '../domain/password-page.ts';
import type { RedirectLink } from '../domain/ports.ts';
import { domainRedirectHeaders, rawQuery } from '../domain/redirect-answer.ts';
import { decideRedirect, type RedirectDecision, type RequestFacts } from '../domain/redirect-decision.ts';
import type { VisitorClassifier } from '../domain/redirect-rules.ts';
import type { LinkResolver } from '../domain/resolve-link.ts';
import type { UnlockCookies } from '../domain/unlock-cookie.ts';
import { isHumanClick, type UserAgentInfo } from '../domain/user-agent.ts';
import { takeHandedLookup } from '../http/handed-lookup.ts';
import { logContext } from '../http/log-context.ts';
import { newReference, sendProblem } from '../http/problem.ts';
import { readRedirectHeaders } from '../http/request-headers.ts';

export interface RedirectRouteDeps {
  resolver: LinkResolver;
  clickCap: ClickCap;
  /** The recorder's classifier: what flags a click as a bot decides whether it counts against a cap. */
  classifyUserAgent: (userAgent: string | undefined) => UserAgentInfo;
  recordClick: ClickRecorder;
  /** What a link's redirect rules ask about the visitor (the click recorder's classifier and country). */
  visitors: VisitorClassifier;
  unlockCookies: UnlockCookies;
  passwordAttempts: PasswordAttempts;
  directory: DomainDirectory;
  /**
   * Answers an unknown code: the domain's not-found redirect or 404, or 429 once the client has asked for too
   * many unknown codes.
   */
  notFound: (request: FastifyRequest, reply: FastifyReply, served?: ServedDomain) => Promise<FastifyReply>;
  /** Records a request for a dead link (an orphan visit of kind `gone`). */
  recordGone: (request: FastifyRequest, served: ServedDomain) => void;
  countryHeader: string | undefined;
  secureCookies: boolean;
  /** Counts a redirect this route served (the fast path counts its own). */
  onServed: () => void;
  now: () => number;
}

const Params = Type.Object({ code: Type.String({ maxLength: 2048 }) });
const PasswordBody = Type.Object({ password: Type.String({ maxLength: 1024 }) });
type Params = Static<typeof Params>;
type PasswordBody = Static<typeof PasswordBody>;

/**
 * The Fastify entrance to the redirect decision (domain/redirect-decision.ts): every request the fast path did
 * not answer, and the password form's POST. The decision says what the answer is; this file does the I/O it
 * needs (lookup, unlock cookie, click-cap counter, password check) and writes it.
 */
export function registerRedirectRoutes(app: FastifyInstance, deps: RedirectRouteDeps): void {
  const { resolver, clickCap, recordClick, unlockCookies, passwordAttempts, directory, notFound, now } = deps;
  const { visitors } = deps;
  const countryHeader = deps.countryHeader?.toLowerCase();

  function factsOf(request: FastifyRequest, unlocked: boolean): RequestFacts {
    return {
      method: request.method,
      url: request.url,
      ip: request.ip,
      // The same reader as the fast path's, so a click carries the same values whichever path served it.
      headers: readRedirectHeaders(request.raw.rawHeaders, countryHeader),
      unlocked,
    };
  }

  function unlockedByCookie(request: FastifyRequest, link: RedirectLink, time: number): boolean {
    if (link.passwordHash === null) return false;
    const cookies = request.headers.cookie;
    return (
      cookies !== undefined &&
      unlockCookies.verify(
        request.server.parseCookie(cookies)[unlockCookies.name(link.id)],
        link.id,
        link.passwordHash,
        time,
      )
    );
  }

  function redirect(reply: FastifyReply, decision: Extract<RedirectDecision, { status: number }>): void {
    recordClick(decision.linkId, decision.click);
    reply.code(decision.status).headers(decision.headers).send();
    deps.onServed();
  }

  /** Writes what the decision says; only a capped redirect (a Redis counter) or a 404 (its limiter) waits. */
  function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    served: ServedDomain,
    link: RedirectLink | null,
    code: string,
    decision: RedirectDecision,
  ): undefined | Promise<unknown> {
    switch (decision.kind) {
      case 'redirect':
        redirect(reply, decision);
        return undefined;
      case 'capped-redirect':
        return cappedRedirect(request, reply, served, decision);
      case 'password':
        sendPasswordPage(request, reply, code, 200);
        return undefined;
      case 'problem':
        if (decision.problem === 'gone') {
          deps.recordGone(request, served);
          sendProblem(reply, 'gone', { gone: decision.reason });
          return undefined;
        }
        if (decision.unusableDestination === true) {
          request.log.warn(
            { ...logContext(request.raw), linkId: link?.id },
            'stored destination is not a valid http(s) URL',
          );
        }
        return notFound(request, reply, served);
    }
  }

  function cappedRedirect(
    request: FastifyRequest,
    reply: FastifyReply,
    served: ServedDomain,
    decision: Extract<RedirectDecision, { kind: 'capped-redirect' }>,
  ): Promise<unknown> {
    // Bots, HEAD and requests without a User-Agent see whether the cap is reached but take no slot: a link
    // preview or a scanner must not use up a one-time link. They are still recorded, as bot clicks.
    const { click, maxClicks, linkId } = decision;
    const human = isHumanClick(click.method, deps.classifyUserAgent(click.userAgent));
    const counted = human ? clickCap.take(linkId, maxClicks) : clickCap.check(linkId, maxClicks);
    return counted.then(
      (state) => {
        if (state === 'exhausted') {
          deps.recordGone(request, served);
          return sendProblem(reply, 'gone', { gone: 'capped' });
        }
        redirect(reply, decision);
        return undefined;
      },
      (error: unknown) => {
        const reference = newReference();
        request.log.error(
          { ...logContext(request.raw), err: error, linkId, reference },
          'click cap unavailable',
        );
        return sendProblem(reply, 'unavailable', { reference });
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
      .headers(EDGE_PAGE_HEADERS)
      .header('cache-control', 'no-store')
      .send(renderPasswordPage({ action, error }));
  }

  function serve(
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    served: ServedDomain,
    link: RedirectLink | null,
  ): undefined | Promise<unknown> {
    const time = now();
    const unlocked = link !== null && unlockedByCookie(request, link, time);
    const decision = decideRedirect(link, factsOf(request, unlocked), time, visitors);
    return answer(request, reply, served, link, request.params.code, decision);
  }

  function unavailable(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
    const reference = newReference();
    request.log.error({ ...logContext(request.raw), err: error, reference }, 'link lookup unavailable');
    return sendProblem(reply, 'unavailable', { reference });
  }

  /** The served domain of a request, from memory when it can, else looked up (`then`). */
  function withDomain(
    request: FastifyRequest,
    reply: FastifyReply,
    then: (served: ServedDomain) => unknown,
  ): unknown {
    const served = directory.peek(request.host);
    if (served !== undefined) return then(served);
    return directory.resolve(request.host).then(then, (error: unknown) => unavailable(request, reply, error));
  }

  function serveCode(
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    served: ServedDomain,
  ): unknown {
    const { code } = request.params;
    if (!isShortCode(code)) return notFound(request, reply, served);
    const domain = served.name;
    // The fast path looked this request up already and left the answer to this route.
    const handed = takeHandedLookup(request.raw, domain, code);
    if (handed !== undefined) {
      return handed.link === undefined
        ? unavailable(request, reply, handed.error)
        : serve(request, reply, served, handed.link);
    }
    const cached = resolver.peek(domain, code);
    if (cached !== undefined) return serve(request, reply, served, cached);
    return resolver.resolve(domain, code).then(
      (link) => serve(request, reply, served, link),
      (error: unknown) => unavailable(request, reply, error),
    );
  }

  // Deliberately not async: an LRU hit answers without allocating a promise or touching Redis.
  app.get<{ Params: Params }>('/:code', { schema: { params: Params } }, (request, reply) =>
    withDomain(request, reply, (served) => serveCode(request, reply, served)),
  );

  // The bare domain: its root redirect when it has one, else as an unknown code.
  app.get('/', (request, reply) =>
    withDomain(request, reply, (served) => {
      if (served.rootRedirectUrl === null) return notFound(request, reply, served);
      reply.code(302).headers(domainRedirectHeaders(served.rootRedirectUrl)).send();
      return undefined;
    }),
  );

  app.post<{ Params: Params; Body: PasswordBody }>(
    '/:code',
    { schema: { params: Params, body: PasswordBody } },
    async (request, reply) => {
      const { code } = request.params;
      let served: ServedDomain;
      let link: RedirectLink | null;
      try {
        served = directory.peek(request.host) ?? (await directory.resolve(request.host));
        if (!isShortCode(code)) return notFound(request, reply, served);
        link = await resolver.resolve(served.name, code);
      } catch (error) {
        return unavailable(request, reply, error);
      }
      const decision = decideRedirect(link, factsOf(request, false), now(), visitors);
      if (decision.kind !== 'password' || link === null || link.passwordHash === null) {
        return answer(request, reply, served, link, code, decision);
      }

      let attempt: Awaited<ReturnType<PasswordAttempts['charge']>>;
      try {
        attempt = await passwordAttempts.charge(link.id, request.ip);
      } catch (error) {
        const reference = newReference();
        request.log.error(
          { ...logContext(request.raw), err: error, linkId: link.id, reference },
          'password attempt limiter unavailable',
        );
        return sendProblem(reply, 'unavailable', { reference });
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

      const { id, passwordHash } = link;
      const valid = await argon2.verify(passwordHash, request.body.password).catch((error: unknown) => {
        request.log.error(
          { ...logContext(request.raw), err: error, linkId: id },
          'stored password hash could not be verified',
        );
        return false;
      });
      if (!valid) return sendPasswordPage(request, reply, code, 401, 'Wrong password. Try again.');
      // Not fatal: at worst the right password stays counted as a failure of the link for the window.
      await passwordAttempts.succeeded(id).catch((error: unknown) => {
        request.log.warn(
          { ...logContext(request.raw), err: error, linkId: id },
          'could not give back a password attempt',
        );
      });

      const time = now();
      const cookie = unlockCookies.issue(id, passwordHash, time);
      reply.setCookie(unlockCookies.name(id), cookie.value, {
        path: `/${code}`,
        maxAge: cookie.maxAgeSeconds,
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.secureCookies,
      });
      return answer(
        request,
        reply,
        served,
        link,
        code,
        decideRedirect(link, factsOf(request, true), time, visitors),
      );
    },
  );
}
