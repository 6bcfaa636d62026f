#!/usr/bin/env bash
# Installs everything and runs the whole test suite against a real Redis (started if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_node
say "installing dependencies"
install_dependencies
ensure_redis
ensure_redis_topology_tools
ensure_alertmanager
say "lint and type check"
npm run lint --silent
npm run typecheck --silent
say "building"
npm run build --silent
say "running the test suite"
npx vitest run "$@"
