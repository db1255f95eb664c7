#!/bin/sh
# Restores a Redis data directory (the queue Redis's /data) from an RDB snapshot, in one command. Run it
# where redis-server is installed, with the real server stopped, e.g. in a one-off redis-queue container:
#   docker compose stop redis-queue
#   docker compose run --rm --no-deps -v "$PWD/backup.rdb:/restore.rdb:ro" -v "$PWD/infra/redis:/scripts:ro" \
#     --entrypoint sh redis-queue /scripts/restore-snapshot.sh /restore.rdb /data
#   docker compose up -d redis-queue
# Why not just copy dump.rdb: with `appendonly yes` Redis starts from the AOF and ignores dump.rdb, and with no
# AOF at all Redis 7 creates an empty one and starts empty. So the snapshot is loaded with AOF off, then AOF is
# switched on, which rewrites it from the loaded data; the real server then starts from that AOF.
# Tested by infra/test/src/redis-restore.test.ts.
set -eu
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 SNAPSHOT.rdb [DATA_DIR (default /data)]" >&2
  exit 2
fi
snapshot=$1
dir=${2:-/data}
port=${RESTORE_PORT:-6390}
cli() { redis-cli -h 127.0.0.1 -p "$port" "$@"; }

rm -rf "$dir/appendonlydir" "$dir/appendonly.aof"
cp "$snapshot" "$dir/dump.rdb"
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly no --save '' --daemonize no \
  --logfile "$dir/restore.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
# The server answers -LOADING until the whole snapshot is in memory.
until [ "$(cli ping 2>/dev/null)" = PONG ]; do sleep 0.2; done
cli config set appendonly yes >/dev/null
persistence() { cli info persistence | tr -d '\r'; }
# The manifest is written when the rewrite is done, not before.
until [ -f "$dir/appendonlydir/appendonly.aof.manifest" ] && persistence | grep -qx 'aof_rewrite_in_progress:0' &&
  persistence | grep -qx 'aof_rewrite_scheduled:0'; do sleep 0.2; done
if ! persistence | grep -qx 'aof_last_bgrewrite_status:ok'; then
  echo "rewriting the AOF from the snapshot failed; see $dir/restore.log" >&2
  exit 1
fi
keys=$(cli dbsize)
cli shutdown nosave >/dev/null 2>&1 || true
wait "$server" 2>/dev/null || true
trap - EXIT
rm -f "$dir/restore.log"
echo "restored $keys keys from $snapshot into $dir"
