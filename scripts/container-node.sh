#!/bin/sh
# Starts node with V8's old space sized for the container: HEAP_PERCENT (default 75) of the
# cgroup memory limit, the rest left for code, buffers, sockets and the young generation.
# Without a limit (bare metal, `docker run` without --memory) V8's own default applies.
# A --max-old-space-size already in NODE_OPTIONS wins. CGROUP_ROOT is for tests.
set -eu
root="${CGROUP_ROOT:-/sys/fs/cgroup}"
percent="${HEAP_PERCENT:-75}"
limit=""
if [ -r "$root/memory.max" ]; then
  limit=$(cat "$root/memory.max")            # cgroup v2: a number or "max"
elif [ -r "$root/memory/memory.limit_in_bytes" ]; then
  limit=$(cat "$root/memory/memory.limit_in_bytes")  # cgroup v1: a huge number when unlimited
fi
case "$limit" in
  '' | max | *[!0-9]*) limit="" ;;
esac
# cgroup v1 reports "no limit" as a value near 2^63; anything above 1 TiB is treated as none.
if [ -n "$limit" ] && [ "${#limit}" -le 13 ] && [ "$limit" -lt 1099511627776 ]; then
  case " ${NODE_OPTIONS:-} " in
    *--max-old-space-size*) ;;
    *)
      heap_mb=$((limit / 1048576 * percent / 100))
      [ "$heap_mb" -lt 64 ] && heap_mb=64
      NODE_OPTIONS="${NODE_OPTIONS:-} --max-old-space-size=$heap_mb"
      export NODE_OPTIONS
      ;;
  esac
fi
exec node "$@"
