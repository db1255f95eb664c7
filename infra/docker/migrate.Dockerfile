# syntax=docker/dockerfile:1.7
# One-shot migration image: applies packages/db migrations (drizzle, under a Postgres advisory lock)
# and exits. Run it to completion before rolling out a new version (compose `migrate` service,
# Kubernetes Job `boltlink-migrate`). Build from the repository root:
#   docker build -f infra/docker/migrate.Dockerfile --target migrate -t boltlink/migrate:<version> .
# The Node of .node-version (the one `make test` runs on); infra/test checks they agree.
ARG NODE_IMAGE=node:26.12.1-bookworm-slim

FROM ${NODE_IMAGE} AS tools
RUN npm install --global --no-audit --no-fund --loglevel=error pnpm@12.26.0 turbo@2.11.13 esbuild@0.28.2
WORKDIR /repo

FROM tools AS pruner
COPY . .
RUN turbo prune @boltlink/db --docker --out-dir /pruned

FROM tools AS builder
COPY --from=pruner /pruned/json/ ./
RUN --mount=type=cache,id=boltlink-pnpm,target=/pnpm-store \
    pnpm install --frozen-lockfile --store-dir /pnpm-store
COPY --from=pruner /pruned/full/ ./
RUN --mount=type=cache,id=boltlink-pnpm,target=/pnpm-store \
    pnpm --filter @boltlink/db deploy --prod --store-dir /pnpm-store /out
# The CLI is TypeScript; bundle it (npm packages stay external, resolved from /out/node_modules).
RUN esbuild packages/db/src/migrate-cli.ts --bundle --platform=node --format=esm --target=node26 \
      --packages=external --outfile=/out/dist/migrate-cli.js \
    && rm -rf /out/drizzle && cp -r packages/db/drizzle /out/drizzle

FROM ${NODE_IMAGE} AS migrate
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    MIGRATIONS_DIR=/app/drizzle
WORKDIR /app
COPY --from=builder --chown=node:node /out/ ./
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/migrate-cli.js"]
