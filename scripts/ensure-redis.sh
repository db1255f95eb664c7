#!/usr/bin/env bash
# Makes sure redis-server is on PATH: installs it from the OS packages when running as root,
# otherwise stops with a message that says what to install.
set -euo pipefail
if [ -n "${REDIS_URL:-}" ]; then exit 0; fi
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[boltlink] redis-server not found: installing it with apt-get" >&2
  # The package's init script must not start a system-wide Redis: the stack runs its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apk >/dev/null 2>&1; then apk add --no-cache redis >&2; exit 0; fi
if [ "$(id -u)" = "0" ] && command -v dnf >/dev/null 2>&1; then dnf install -y redis >&2; exit 0; fi
cat >&2 <<'MSG'
[boltlink] redis-server was not found on PATH and cannot be installed automatically.
Install Redis 6.2 or newer (Debian/Ubuntu: sudo apt-get install redis-server, macOS: brew install redis),
or point REDIS_URL at an existing Redis server.
MSG
exit 1
