# syntax=docker/dockerfile:1.7
# Redirect edge image. Build from the repository root:
#   docker build -f infra/docker/redirect-edge.Dockerfile -t boltlink/redirect-edge:<version> .
# Stages: prune the workspace to this service, install from the pruned lockfile, bundle, then
# `pnpm deploy --prod` so the runtime holds only this service and the npm packages it uses.
# The Node of .node-version (the one `make test` runs on); infra/test checks they agree.
ARG NODE_IMAGE=node:26.12.1-bookworm-slim

FROM ${NODE_IMAGE} AS tools
# pnpm and turbo from the npm registry at pinned versions: Node 26 ships without corepack, and the
# same versions as the repository keep the lockfile authoritative.
RUN npm install --global --no-audit --no-fund --loglevel=error pnpm@12.26.0 turbo@2.11.13
WORKDIR /repo

FROM tools AS pruner
COPY . .
RUN turbo prune @boltlink/redirect-edge --docker --out-dir /pruned

FROM tools AS builder
ENV PNPM_STORE_DIR=/pnpm-store
# Package manifests and the pruned lockfile first: this layer is cached until a dependency changes.
COPY --from=pruner /pruned/json/ ./
RUN --mount=type=cache,id=boltlink-pnpm,target=/pnpm-store \
    pnpm install --frozen-lockfile --store-dir /pnpm-store
COPY --from=pruner /pruned/full/ ./
# turbo prune copies workspace packages only; the bundler script and the base tsconfig live at the root.
COPY scripts/build-app.mjs ./scripts/build-app.mjs
COPY tsconfig.base.json ./tsconfig.base.json
# scripts/build-app.mjs imports esbuild, a devDependency of each app rather than of the root: run a copy
# from the app's directory so the import resolves there (the same bundle `pnpm build` makes).
RUN cp scripts/build-app.mjs apps/redirect-edge/.build-app.mjs \
    && cd apps/redirect-edge && node .build-app.mjs && rm .build-app.mjs
RUN --mount=type=cache,id=boltlink-pnpm,target=/pnpm-store \
    pnpm --filter @boltlink/redirect-edge deploy --prod --store-dir /pnpm-store /out \
    && cp -r apps/redirect-edge/dist /out/dist

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (which then drains) and reaps zombies.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=builder --chown=node:node /out/ ./
# The official image's unprivileged user (uid 1000).
USER node
EXPOSE 8080
# node instead of curl: the slim image has no curl and node is already there.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/server.js"]
