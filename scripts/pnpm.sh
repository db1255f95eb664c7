#!/usr/bin/env bash
# Runs the workspace's pinned pnpm, installing it into .tools/ on first use.
# Node 26 ships without corepack, so pnpm comes from the npm registry instead;
# this works the same on a developer laptop and on CI, with nothing installed globally.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The pinned Node first on PATH: pnpm and every child it starts (turbo, vitest, tsx) run on it.
PATH="$("$root/scripts/ensure-node.sh"):$PATH"
export PATH
want="$(node -p "require('$root/package.json').packageManager.split('@')[1]")"
bin="$root/.tools/pnpm/node_modules/.bin/pnpm"
if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "$want" ]; then
  echo "[boltlink] installing pnpm $want into .tools/pnpm" >&2
  mkdir -p "$root/.tools/pnpm"
  npm install --prefix "$root/.tools/pnpm" --no-save --no-audit --no-fund --loglevel=error "pnpm@$want" >&2
fi
# Native add-ons (argon2) compile against the headers of the node that runs them, which ship beside its binary
# (<prefix>/include/node). pnpm 9 found them itself; pnpm 12's node-gyp downloads them unless told where they are.
node_prefix="$(node -p "require('path').resolve(process.execPath, '../..')")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi
# turbo runs each task through the package manager it finds on PATH: make it this one.
export PATH="$root/.tools/pnpm/node_modules/.bin:$PATH"
exec "$bin" "$@"
