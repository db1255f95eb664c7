#!/usr/bin/env bash
# The integration stage (`pnpm test:integration`, inside packages/testing's with-servers: one Postgres and one Redis
# for the whole run). The dashboard's browser tests run beside the other packages' integration tests, which run one
# package at a time: the browser tests mostly wait (for Chromium, the stack's services, clicks to be counted) and
# keep about one of two cores busy, so the rest uses the other. Each test file has its own database and key prefix.
# Exits non-zero if either side failed; a failing package does not stop the others (turbo --continue).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
turbo run test:integration --concurrency=1 --continue=dependencies-successful --filter='!@boltlink/dashboard' &
rest=$!
turbo run test:integration --filter=@boltlink/dashboard
dashboard=$?
wait "$rest"
others=$?
if [ "$dashboard" -ne 0 ]; then exit "$dashboard"; fi
exit "$others"
