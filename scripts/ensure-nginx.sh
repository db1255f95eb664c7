#!/usr/bin/env bash
# Makes sure nginx is on PATH for the reverse-proxy test (infra/nginx, apps/redirect-edge/test/tls-proxy.test.ts):
# installs Debian's nginx-light when running as root with apt-get. Never fails: without nginx that one test
# is skipped, and says so.
set -uo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[boltlink] nginx not found: installing nginx-light with apt-get (for the TLS proxy test)" >&2
  # The package's init script must not start a system-wide nginx on port 80: the test runs its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >&2 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >&2; }; then
    exit 0
  fi
fi
echo "[boltlink] nginx is not installed: the TLS reverse-proxy test will be skipped (Debian/Ubuntu: apt-get install nginx-light)" >&2
exit 0
