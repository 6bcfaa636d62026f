# Shared helpers for scripts/quickstart.sh and scripts/test.sh. Sourced, not run.

say() { printf '\033[1m[threadline]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The same versions as package.json's engines (the floor of vite and eslint-visitor-keys).
NODE_VERSIONS="20.19+, 22.13+ or 24+ (Node 20 is past its end of life: prefer 24 or 22)"

require_node() {
  command -v node >/dev/null 2>&1 ||
    die "Node.js is not installed. Install Node $NODE_VERSIONS (https://nodejs.org, or NodeSource's Debian packages)."
  local major minor
  major=$(node -p 'process.versions.node.split(".")[0]')
  minor=$(node -p 'process.versions.node.split(".")[1]')
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; } ||
    [ "$major" -eq 21 ] || { [ "$major" -eq 22 ] && [ "$minor" -lt 13 ]; } || [ "$major" -eq 23 ]; then
    die "Node $(node -v) is not supported: Threadline needs Node $NODE_VERSIONS."
  fi
}

# `npm ci` installs exactly the committed lock file and never rewrites it, so a fresh clone
# stays clean. The lock lists every platform's optional binaries (biome, rollup, esbuild,
# msgpackr), which npm 10 and npm 11 both require before they accept it. npm ci starts from an
# empty node_modules, so it is skipped when npm's own record of the last install is newer than
# the lock and package.json (a checkout that changes either makes it run again).
install_dependencies() {
  local installed=node_modules/.package-lock.json
  if [ -f "$installed" ] && [ "$installed" -nt package-lock.json ] && [ "$installed" -nt package.json ]; then
    say "dependencies already match package-lock.json"
    return 0
  fi
  npm ci --no-audit --no-fund --loglevel=error
}

# True when something answers PING on host:port (no redis-cli needed).
redis_answers() {
  local host=$1 port=$2 reply=""
  { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 reply <&3 || true
  exec 3<&- 3>&-
  [[ "$reply" == "+PONG"* ]]
}

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Uses REDIS_URL if set, else a Redis on 127.0.0.1:6379, else starts a private redis-server on a
# free port in a temporary directory (installing it with apt-get when running as root).
ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then say "using REDIS_URL from the environment"; return 0; fi
  if redis_answers 127.0.0.1 6379; then
    export REDIS_URL="redis://127.0.0.1:6379"
    say "using the Redis already running on 127.0.0.1:6379"
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      say "redis-server is missing; installing it with apt-get"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) ||
        die "could not install redis-server. Install it (apt-get install redis-server) or set REDIS_URL to a running Redis."
    else
      die "no Redis is reachable and redis-server is not installed. Run: sudo apt-get install redis-server (or set REDIS_URL=redis://host:port)."
    fi
  fi
  local port dir
  port=$(free_port)
  dir=$(mktemp -d -t threadline-redis.XXXXXX)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null ||
    die "redis-server did not start (see $dir/redis.log)"
  for _ in $(seq 1 50); do redis_answers 127.0.0.1 "$port" && break; sleep 0.1; done
  redis_answers 127.0.0.1 "$port" || die "redis-server did not answer on port $port (see $dir/redis.log)"
  export REDIS_URL="redis://127.0.0.1:$port"
  THREADLINE_REDIS_DIR=$dir
  trap stop_private_redis EXIT
  say "started a private redis-server on 127.0.0.1:$port (stopped on exit)"
}

# The Redis Cluster and Sentinel tests start their own servers with redis-server, redis-cli and
# redis-sentinel; without them those tests are skipped (and say so). Installed like redis-server.
ensure_redis_topology_tools() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} for the Redis Cluster and Sentinel tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) ||
      say "could not install ${missing[*]}: the Redis Cluster and Sentinel tests will be skipped"
  else
    say "${missing[*]} not installed (sudo apt-get install ${missing[*]}): the Redis Cluster and Sentinel tests will be skipped"
  fi
}

# The Alertmanager end-to-end test (test/sources/alertmanager.real.test.ts) runs the real
# Prometheus Alertmanager from Debian's prometheus-alertmanager package; without it that test is
# skipped and says why. Installed like redis-server, and never fails the run when it cannot be.
ensure_alertmanager() {
  if [ -n "${ALERTMANAGER_BIN:-}" ] || command -v prometheus-alertmanager >/dev/null 2>&1 ||
    [ -x /usr/bin/prometheus-alertmanager ]; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing prometheus-alertmanager for the Alertmanager end-to-end test"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      prometheus-alertmanager >/dev/null) ||
      say "could not install prometheus-alertmanager: the Alertmanager end-to-end test will be skipped"
  else
    say "prometheus-alertmanager not installed (sudo apt-get install prometheus-alertmanager): the Alertmanager end-to-end test will be skipped"
  fi
}

stop_private_redis() {
  if [ -n "${THREADLINE_REDIS_DIR:-}" ] && [ -f "$THREADLINE_REDIS_DIR/redis.pid" ]; then
    kill "$(cat "$THREADLINE_REDIS_DIR/redis.pid")" 2>/dev/null || true
    rm -rf "$THREADLINE_REDIS_DIR"
  fi
}
