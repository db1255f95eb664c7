# syntax=docker/dockerfile:1.7
# Dashboard image: the web app's static pages and the small server that sends them with a strict CSP.
# Build from the repository root:
#   docker build -f infra/docker/dashboard.Dockerfile -t boltlink/dashboard:<version> .
# Stages: prune the workspace to the dashboard, install from the pruned lockfile, build the pages (vite)
# and bundle the server, then `pnpm deploy --prod` so the runtime holds only the server and the npm
# packages it uses (React, the router and the API client live inside the built pages).
# The Node of .node-version (the one `make test` runs on); infra/test checks they agree.
ARG NODE_IMAGE=node:26.12.1-bookworm-slim

FROM ${NODE_IMAGE} AS tools
# pnpm and turbo from the npm registry at pinned versions: Node 26 ships without corepack, and the
# same versions as the repository keep the lockfile authoritative.
RUN npm install --global --no-audit --no-fund --loglevel=error pnpm@12.26.0 turbo@2.11.13
WORKDIR /repo

FROM tools AS pruner
COPY . .
RUN turbo prune @boltlink/dashboard --docker --out-dir /pruned

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
# The pages first (vite build writes dist/public), then the server bundle next to them (dist/server.js).
RUN cd apps/dashboard && pnpm exec vite build
RUN cp scripts/build-app.mjs apps/dashboard/.build-app.mjs \
    && cd apps/dashboard && node .build-app.mjs && rm .build-app.mjs
RUN --mount=type=cache,id=boltlink-pnpm,target=/pnpm-store \
    pnpm --filter @boltlink/dashboard deploy --prod --store-dir /pnpm-store /out \
    && cp -r apps/dashboard/dist /out/dist

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (which then drains) and reaps zombies.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
# API_URL: the management API's origin as browsers reach it (set it per deployment; one build serves any).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3002
WORKDIR /app
COPY --from=builder --chown=node:node /out/ ./
# The official image's unprivileged user (uid 1000).
USER node
EXPOSE 3002
# node instead of curl: the slim image has no curl and node is already there.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3002)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/server.js"]
