// CPU of the redirect decision with and without redirect rules, in one process: what a link with 5 rules
// costs per redirect on top of the same link without rules, rules compiled once per cached link as the edge
// does (the link object stays the same between calls, as an LRU entry does).
//
//   pnpm --filter @boltlink/bench redirect-rules
//
// Cases, each over the same browser request (a desktop Chrome User-Agent, Accept-Language, no query string):
// the plain link (no rules: the path every existing link takes), 5 rules none of which holds (every condition
// kind asked: the worst case, the link URL served), and 5 rules of which the last holds. ROUNDS rounds of
// CALLS calls per case, interleaved so the host's noise hits every case alike; the median of the rounds is
// reported. The figures go to bench/results/<RESULTS_NAME>.{json,md} (default redirect-rules).
import type { RedirectLink } from '../apps/redirect-edge/src/domain/ports.ts';
import { decideRedirect, type RequestFacts } from '../apps/redirect-edge/src/domain/redirect-decision.ts';
import { createVisitorClassifier } from '../apps/redirect-edge/src/domain/redirect-rules.ts';
import { createUserAgentClassifier } from '../apps/redirect-edge/src/domain/user-agent.ts';
import { writeResults } from './lib/results-file.ts';
import { FIVE_RULES_NONE_HOLDS } from './lib/seed-link.ts';

type RedirectRule = (typeof FIVE_RULES_NONE_HOLDS)[number];

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const CALLS = Number(process.env.CALLS ?? 200_000);
const RESULTS_NAME = process.env.RESULTS_NAME ?? 'redirect-rules';

const plain: RedirectLink = {
  v: 1,
  id: '6f1c1a4e-9d1b-4c55-8f0e-2a6e8f4c9b10',
  url: 'https://example.com/landing',
  redirectType: 302,
  expiresAt: null,
  maxClicks: null,
  passwordHash: null,
  utm: null,
};

// The rules of the edge A/B's `hot5` link.
const noneHolds: RedirectRule[] = FIVE_RULES_NONE_HOLDS;
const lastHolds: RedirectRule[] = [
  ...noneHolds.slice(0, 4),
  { conditions: { browser: ['Chrome'], os: ['Windows'] }, url: 'https://example.com/chrome' },
];

const cases: { name: string; link: RedirectLink }[] = [
  { name: 'no rules', link: plain },
  { name: '5 rules, none holds', link: { ...plain, v: 2, rules: noneHolds } },
  { name: '5 rules, the last holds', link: { ...plain, v: 2, rules: lastHolds } },
];

const visitors = createVisitorClassifier({ classify: createUserAgentClassifier() });
const facts: RequestFacts = {
  method: 'GET',
  url: '/hot',
  ip: '203.0.113.7',
  headers: {
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    referer: undefined,
    country: 'FR',
    acceptLanguage: 'en-US,en;q=0.9,de;q=0.8',
  },
};

let sink = 0;
function nsPerCall(link: RedirectLink): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i += 1) {
    const decision = decideRedirect(link, facts, 0, visitors);
    if (decision.kind === 'redirect') sink += decision.headers.location.length;
  }
  return Number(process.hrtime.bigint() - started) / CALLS;
}

// Warm-up: compile, memoise the User-Agent and let the JIT settle.
for (const { link } of cases) nsPerCall(link);
const rounds: number[][] = cases.map(() => []);
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [i, { link }] of cases.entries()) rounds[i]?.push(nsPerCall(link));
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;
const medians = rounds.map(median);
const base = medians[0] ?? 0;
const rows = cases.map(({ name }, i) => ({
  case: name,
  nsPerDecision: Number((medians[i] ?? 0).toFixed(1)),
  extraNs: Number(((medians[i] ?? 0) - base).toFixed(1)),
}));
for (const row of rows) console.log(`${row.case}: ${row.nsPerDecision} ns per decision (+${row.extraNs} ns)`);
if (sink === 0) console.log('no redirect decided');

await writeResults(
  RESULTS_NAME,
  { rounds: ROUNDS, callsPerRound: CALLS, cases: rows },
  {
    title: 'Redirect decision with and without redirect rules',
    body: [
      `decideRedirect over one desktop Chrome request, ${ROUNDS} interleaved rounds of ${CALLS} calls per case, median round. Budget: a link with 5 rules at most 1 µs (1000 ns) more than without.`,
      '',
      '| case | ns per decision | more than no rules (ns) |',
      '| --- | --- | --- |',
      ...rows.map((row) => `| ${row.case} | ${row.nsPerDecision} | ${row.extraNs} |`),
    ].join('\n'),
  },
);
