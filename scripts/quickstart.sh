#!/usr/bin/env bash
# Installs Threadline and runs it locally on the example config: Redis is started if none is
# reachable. Ctrl-C stops the bot (and the private Redis, if one was started).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

require_node
say "installing dependencies"
install_dependencies
say "building"
npm run build --silent
ensure_redis

export THREADLINE_EVENTS_SECRET=${THREADLINE_EVENTS_SECRET:-local-development-secret}
port=${PORT:-3000}
cat >&2 <<MSG

  Threadline is starting on http://127.0.0.1:$port with examples/specs.config.yaml.
  Health: curl http://127.0.0.1:$port/readyz     Metrics: curl http://127.0.0.1:$port/metrics
  Send a signed event:
    body='{"event":"implementation_failed","spec":{"id":"FEAT-0001","title":"User Authentication"}}'
    sig="sha256=\$(printf '%s' "\$body" | openssl dgst -sha256 -hmac '$THREADLINE_EVENTS_SECRET' | awk '{print \$2}')"
    curl -XPOST -H 'content-type: application/json' -H "x-signature-256: \$sig" -d "\$body" http://127.0.0.1:$port/hooks/events
  The example config's log destination prints each delivered notification as one line on stderr
  (this terminal), e.g. "<time> notification ❌ Spec Implementation Failed · ID: FEAT-0001 · …".
  LOG_ENABLED=false turns it off.
  Turn integrations on with their variables, e.g. SLACK_ENABLED=true SLACK_WEBHOOK_URL=https://hooks.slack.com/...

MSG
node dist/src/cli/bin.js serve --config examples/specs.config.yaml --port "$port" &
bot=$!
trap 'kill -TERM $bot 2>/dev/null; wait $bot; stop_private_redis' INT TERM
wait $bot
