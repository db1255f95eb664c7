#!/usr/bin/env bash
# Makes sure Debian's Chromium is on PATH for the dashboard's browser test (apps/dashboard/test, Playwright
# drives it through playwright-core: no browser download). Installs it with apt-get when running as root,
# otherwise stops with a message that says what to install. CHROMIUM_PATH names another Chromium instead.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then exit 0; fi
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[boltlink] chromium not found: installing it with apt-get (for the dashboard's browser test)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2; }
  exit 0
fi
cat >&2 <<'MSG'
[boltlink] chromium was not found on PATH and cannot be installed automatically.
Install it (Debian/Ubuntu: sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary.
MSG
exit 1
