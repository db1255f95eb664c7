#!/usr/bin/env bash
# Makes sure promtool is on PATH for the alerting-rule tests (infra/prometheus, infra/test/src/prometheus-rules.test.ts):
# installs Debian's prometheus package (promtool comes with it; 19 MB) when running as root with apt-get. Never
# fails: without promtool those tests are skipped, and say so.
set -uo pipefail
if command -v promtool >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[boltlink] promtool not found: installing prometheus with apt-get (for the alerting-rule tests)" >&2
  # The package's service must not start a system-wide Prometheus: the tests only run promtool.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2; }; then
    exit 0
  fi
fi
echo "[boltlink] promtool is not installed: the alerting-rule tests will be skipped (Debian/Ubuntu: apt-get install prometheus)" >&2
exit 0
