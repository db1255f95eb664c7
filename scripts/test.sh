#!/usr/bin/env bash
# `make test`: lint (with the docs/configuration.md table check), typecheck, unit tests, the licence check of the
# production dependencies, then integration tests against one Postgres and one Redis shared by the whole run. Ends with one summary line of the vitest counts.
# A failing package does not stop the other packages of its stage (turbo --continue), so one run shows every failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Every step on the pinned Node (.node-version), whatever `node` the machine has.
PATH="$(./scripts/ensure-node.sh):$PATH"
export PATH
log="$(mktemp)"
# On failure, the failing tests again at the very end, so the last lines of a long run name them.
finish() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo "make test failed (exit ${status}); the failures reported above:"
    sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/ FAIL |AssertionError|^not ok |[^a-z]not ok [0-9]| × |Failed:|ERR!|error TS[0-9]/ && !seen[$0]++' | tail -n 60
  fi
  rm -f "$log"
}
trap finish EXIT

step() { "$@" 2>&1 | tee -a "$log"; }

step ./scripts/pnpm.sh lint
step ./scripts/pnpm.sh typecheck
# promtool for the alerting rules' checks and unit tests (infra/prometheus); without it those are skipped and say so.
step ./scripts/ensure-tool.sh promtool prometheus 'the alerting-rule tests'
step ./scripts/pnpm.sh test:unit
# The local runner (`make up`), the licence policy and this summary's count have no package of their own: node's test runner,
# counted below from its "pass N" line.
step node --import tsx --test scripts/stack/*.test.ts scripts/licences/*.test.ts scripts/test-summary/*.test.ts
step node --import tsx scripts/licences/check-licences.ts
# nginx for the TLS reverse-proxy test (infra/nginx); without it that test is skipped and says so.
step ./scripts/ensure-tool.sh nginx nginx-light 'the TLS reverse-proxy test'
# caddy for the on-demand TLS test (infra/caddy); without it that test is skipped and says so.
step ./scripts/ensure-tool.sh caddy caddy 'the on-demand TLS test'
# PgBouncer for the whole flow through a transaction pooler (infra/pgbouncer); without it that test is skipped and says so.
step ./scripts/ensure-tool.sh pgbouncer pgbouncer 'the whole-flow test through PgBouncer'
# Debian's Chromium for the dashboard's browser test (apps/dashboard/test); installed with apt when missing.
step ./scripts/ensure-chromium.sh
step node --import tsx packages/testing/src/with-servers.ts -- ./scripts/pnpm.sh test:integration

# Any failure stopped the script above (pipefail), so reaching here means every count is a pass.
# awk alone (no grep in a pipeline): a grep that finds nothing would fail the script under pipefail.
read -r passed skipped < <(awk -f scripts/test-summary/count.awk "$log")
echo "tests: ${passed} passed, 0 failed, ${skipped} skipped"
