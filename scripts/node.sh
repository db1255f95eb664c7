#!/usr/bin/env bash
# Runs the pinned Node (.node-version), installing it into .tools/node on first use, with its bin
# directory first on PATH so the processes it starts run on it too. Use it where you would type `node`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PATH="$("$root/scripts/ensure-node.sh"):$PATH"
export PATH
exec node "$@"
