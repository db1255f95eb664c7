#!/usr/bin/env bash
# ensure-tool.sh <program> <debian package> <what needs it>
# Makes sure <program> is installed for the tests that need it: installs Debian's <package> when running as root
# with apt-get, with no service started by the package (policy-rc.d: the tests run their own). Never fails:
# without the program those tests are skipped, and say so.
set -uo pipefail
program="$1" package="$2" purpose="$3"
if command -v "$program" >/dev/null 2>&1 || [ -x "/usr/sbin/$program" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[boltlink] $program not found: installing $package with apt-get (for $purpose)" >&2
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >&2 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >&2; }; then
    exit 0
  fi
fi
echo "[boltlink] $program is not installed: $purpose will be skipped (Debian/Ubuntu: apt-get install $package)" >&2
exit 0
