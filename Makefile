# BoltLink: the two commands are `make up` and `make test`.
SHELL := /bin/bash
PNPM := ./scripts/pnpm.sh
# Every target runs on the pinned Node (.node-version), installed into .tools/node by the `node` target.
export PATH := $(CURDIR)/.tools/node/bin:$(PATH)

.PHONY: node up test deps install lint typecheck test-unit test-integration build bench migrate clean

deps: install
	@./scripts/ensure-redis.sh

## The pinned Node (.node-version), from the npm registry into .tools/node on first use.
node:
	@./scripts/ensure-node.sh >/dev/null

install: node
	@$(PNPM) install --frozen-lockfile --prefer-offline --reporter=append-only

## Start Postgres, Redis, migrations and all three services; Ctrl-C stops everything.
up: deps
	@node --import tsx scripts/stack/up.ts

## Lint, typecheck, unit and integration tests against real Postgres and Redis.
test: deps
	@./scripts/test.sh

## One Postgres and one Redis for the whole integration run, shared by every package (each test file
## still gets its own database and key prefix). DATABASE_URL + REDIS_URL, when set, are used instead.
test-integration: install
	@node --import tsx packages/testing/src/with-servers.ts -- $(PNPM) test:integration

build: install
	@$(PNPM) build

migrate: install
	@$(PNPM) db:migrate

bench: deps build
	@$(PNPM) --filter @boltlink/bench run all

clean:
	rm -rf node_modules apps/*/node_modules packages/*/node_modules apps/*/dist .turbo .tools
