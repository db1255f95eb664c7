#!/usr/bin/env bash
# Makes sure caddy is on PATH for the on-demand TLS test (infra/caddy, apps/redirect-edge/test/tls-on-demand.test.ts):
# installs Debian's caddy (one 36 MB binary) when running as root with apt-get. Never fails: without caddy that
# one test is skipped, and says so.
set -uo pipefail
if command -v caddy >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[boltlink] caddy not found: installing caddy with apt-get (for the on-demand TLS test)" >&2
  # The package's service must not start a system-wide caddy on ports 80 and 443: the test runs its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends caddy >&2 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends caddy >&2; }; then
    exit 0
  fi
fi
echo "[boltlink] caddy is not installed: the on-demand TLS test will be skipped (Debian/Ubuntu: apt-get install caddy)" >&2
exit 0
