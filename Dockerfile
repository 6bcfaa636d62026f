# syntax=docker/dockerfile:1

# Node 24 is the current LTS; Node 22 also works (--build-arg NODE_IMAGE=node:22-bookworm-slim).
ARG NODE_IMAGE=node:24-bookworm-slim

# Build stage: the full toolchain (TypeScript, dev dependencies), then pruned to production deps
# so the runtime stage copies only what `node dist/src/cli/bin.js` needs.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY cards ./cards
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: Node and the built app only, running as the image's unprivileged `node` user.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Sizes V8's heap to the container's memory limit (HEAP_PERCENT, default 75) at every start.
COPY scripts/container-node.sh ./scripts/container-node.sh
# For reference and trials only (`serve --config examples/specs.config.yaml`): its fallback
# inbound secret is public. Production mounts its own file at /etc/threadline/specs.config.yaml.
COPY examples ./examples
USER node
EXPOSE 3000
# Liveness only (the process serves HTTP); use GET /readyz for readiness, it also checks Redis.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["sh", "scripts/container-node.sh", "dist/src/cli/bin.js"]
CMD ["serve", "--config", "/etc/threadline/specs.config.yaml"]
