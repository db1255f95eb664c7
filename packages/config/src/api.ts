import { type Static, Type } from 'typebox';
import { loadConfig } from './env.ts';
import { commaList, int, isHostWithPort, optional, url } from './fields.ts';
import {
  checkMetricsPort,
  clickEventRetentionFields,
  customDomainFields,
  type DerivedCustomDomains,
  type DerivedShared,
  dependencyCheckFields,
  deriveCustomDomains,
  deriveShared,
  keepAliveFields,
  linkCacheFields,
  mailFields,
  rateLimitFields,
  sharedFields,
  tracingFields,
  webConcurrencyFields,
} from './shared.ts';

const isOrigin = (value: string): boolean => {
  if (!URL.canParse(value)) return false;
  const parsed = new URL(value);
  // An origin is scheme://host[:port] and nothing else; a trailing path would never match a browser's Origin.
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === value;
};

export const ApiConfigSchema = Type.Object({
  ...sharedFields(3000),
  ...webConcurrencyFields(9100),
  ...dependencyCheckFields(),
  ...customDomainFields(),
  ...linkCacheFields(),
  ...mailFields(),
  ...clickEventRetentionFields(),
  ...tracingFields('management-api', 1),
  appUrl: optional(
    url({
      protocols: ['http:', 'https:'],
      description:
        'Base URL of the web app, for links in mails (e.g. https://app.example.com); unset: mails carry the token to paste instead',
    }),
  ),
  corsOrigins: commaList({
    default: [],
    itemRule: 'an origin such as https://app.example.com',
    item: isOrigin,
    description:
      "Browser origins (the dashboard's) allowed by CORS with credentials, and to write with the session cookie; empty allows none",
  }),
  blockedDomains: commaList({
    default: [],
    lowercase: true,
    itemRule: 'a host name',
    item: (value) => isHostWithPort(value) && !value.includes(':'),
    description: 'Destination domains refused for new links (subdomains included)',
  }),
  // No static default: an instance is `invite` in production and `open` elsewhere (REGISTRATION_DEFAULT below).
  registration: optional(
    Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')], {
      description:
        'Who may sign up: open (anyone), invite (only with an invitation token), closed (only instance admins create accounts); the first account of an instance is always allowed and becomes its admin',
      config: {
        rule: 'one of open, invite, closed',
        defaultDescription: 'invite when NODE_ENV=production, else open',
      },
    }),
  ),
  codeLength: int({ default: 7, min: 4, max: 32, description: 'Length of random short codes (base62)' }),
  sessionTtlSeconds: int({
    default: 7 * 86_400,
    min: 60,
    max: 365 * 86_400,
    description: 'Lifetime of a login session',
  }),
  ...rateLimitFields('default', 'requests per client IP', { max: 300, windowMs: 60_000 }),
  ...rateLimitFields('signup', 'sign-ups per client IP', { max: 30, windowMs: 3_600_000 }),
  ...rateLimitFields('login', 'login attempts per client IP', { max: 30, windowMs: 900_000 }),
  // An account is refused for everyone only past 10x this from all IPs together (ACCOUNT_CEILING_FACTOR).
  ...rateLimitFields('loginAccount', 'failed logins per account and client IP', {
    max: 10,
    windowMs: 900_000,
  }),
  // Budgets per account, charged for the work a request asks for (a bulk of 1000 links is 1000 links),
  // whatever the route. The link default lets an account import 1,000 links at once, twice an hour.
  ...rateLimitFields('linkCreate', 'links created per account', { max: 2000, windowMs: 3_600_000 }),
  ...rateLimitFields('linkPassword', 'link passwords hashed per account', { max: 200, windowMs: 3_600_000 }),
  ...rateLimitFields('metadataFetch', 'link metadata fetches queued per account', {
    max: 1000,
    windowMs: 3_600_000,
  }),
  ...rateLimitFields('qrPng', 'QR PNG units (256x256 px each) rendered per account', {
    max: 120,
    windowMs: 60_000,
  }),
  // Reset requests answer alike for every address, so these limit what one client or one address can cost.
  ...rateLimitFields('passwordReset', 'password reset requests per client IP', {
    max: 10,
    windowMs: 3_600_000,
  }),
  ...rateLimitFields(
    'addressMail',
    'mails to one email address asked by password reset and sign-up requests',
    {
      max: 3,
      windowMs: 3_600_000,
    },
  ),
  ...rateLimitFields('apiKeyCreate', 'API key creations per principal', { max: 10, windowMs: 3_600_000 }),
  // Each invitation may be a mail to an address nobody there has proven to own: bounded like other mail.
  ...rateLimitFields('invitation', 'workspace invitations sent per account', {
    max: 50,
    windowMs: 3_600_000,
  }),
  apiKeyLastUsedFlushMs: int({
    default: 30_000,
    min: 1000,
    max: 3_600_000,
    description: 'How often API key lastUsedAt timestamps buffered in Redis are written to Postgres',
  }),
  // OWASP's argon2id minimum (m=19456 KiB, t=2, p=1) is the floor; raising a value rehashes passwords at
  // their next successful login.
  argon2MemoryKib: int({
    default: 19_456,
    min: 19_456,
    max: 4_194_304,
    description: 'argon2id memory cost (KiB)',
  }),
  argon2TimeCost: int({ default: 2, min: 2, max: 20, description: 'argon2id iterations' }),
  argon2Parallelism: int({ default: 1, min: 1, max: 16, description: 'argon2id lanes' }),
  // argon2 runs on libuv's pool (UV_THREADPOOL_SIZE, 4 by default), shared with login's verify.
  linkPasswordHashConcurrency: int({
    default: 2,
    min: 1,
    max: 64,
    description:
      'Link-password hashes in flight per process; keep it below UV_THREADPOOL_SIZE so logins find a thread',
  }),
  requestTimeoutMs: int({
    default: 30_000,
    min: 1000,
    max: 600_000,
    description: 'Longest time to receive a whole request (slow-body clients are cut off)',
  }),
  headersTimeoutMs: int({
    default: 10_000,
    min: 1000,
    max: 600_000,
    description: 'Longest time to receive the request headers (slowloris protection)',
  }),
  ...keepAliveFields(),
  bodyLimit: int({
    default: 1_048_576,
    min: 1024,
    max: 100 * 1_048_576,
    description: 'Largest request body in bytes',
  }),
  bulkBodyLimit: int({
    default: 10 * 1_048_576,
    min: 1024,
    max: 100 * 1_048_576,
    description: 'Largest body in bytes for POST /api/v1/links/bulk',
  }),
});

export type Registration = 'open' | 'invite' | 'closed';

/** Production never opens sign-up by accident; a development machine lets the README walk-through sign up. */
export const REGISTRATION_DEFAULT = { production: 'invite', other: 'open' } as const;

export type ApiConfig = Omit<Static<typeof ApiConfigSchema>, 'registration'> &
  DerivedShared &
  DerivedCustomDomains & { registration: Registration };

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const config = deriveCustomDomains(deriveShared(checkMetricsPort(loadConfig(ApiConfigSchema, env))));
  const registration =
    config.registration ??
    (config.nodeEnv === 'production' ? REGISTRATION_DEFAULT.production : REGISTRATION_DEFAULT.other);
  return { ...config, registration };
}
