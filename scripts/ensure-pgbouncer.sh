#!/usr/bin/env bash
# Makes sure pgbouncer is installed for the whole-flow test through a transaction pooler (infra/pgbouncer,
# infra/test/integration/pgbouncer.test.ts): installs Debian's pgbouncer when running as root with apt-get. Never fails:
# without pgbouncer that one test is skipped, and says so.
set -uo pipefail
if command -v pgbouncer >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[boltlink] pgbouncer not found: installing pgbouncer with apt-get (for the PgBouncer test)" >&2
  # The package's service must not start a system-wide pgbouncer on port 6432: the test runs its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >&2 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >&2; }; then
    exit 0
  fi
fi
echo "[boltlink] pgbouncer is not installed: the PgBouncer test will be skipped (Debian/Ubuntu: apt-get install pgbouncer)" >&2
exit 0
