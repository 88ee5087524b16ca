# Continuum: the two commands a fresh machine needs are `make run` and `make test`.
SWIFT ?= swift
SMOLLM2 := scripts/fetch-model.sh smollm2
QWEN := scripts/fetch-model.sh qwen2.5
MINILM := scripts/fetch-model.sh minilm

.PHONY: run chat test test-arm venv browser postgres build release models bench compare clean

## run: fetch the default model (first time only) and serve it on http://127.0.0.1:8080/v1
run: release
	@$(SMOLLM2) >/dev/null
	.build/release/continuum serve

## chat: fetch the default model (first time only) and chat with it in the terminal
chat: release
	@$(SMOLLM2) >/dev/null
	.build/release/continuum chat

## test: fetch the test models (first time only), build once in release, run every test, then
## the kernel and golden tests again under every other kernel path this CPU supports
test: models venv browser postgres test-arm
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build
	.venv/bin/python -m pytest -q Tests/api
	scripts/test-kernel-paths.sh

## test-arm: the C kernels against their scalar reference, on aarch64 under qemu-user (NEON with
## and without the dot product) and natively (installs the cross compiler and qemu if missing)
test-arm:
	scripts/test-arm-kernels.sh

## venv: the official openai client and pytest for the HTTP API tests
venv: .venv/.ready
.venv/.ready: Makefile
	python3 -m venv .venv
	.venv/bin/pip install -q openai==3.57.0 pytest==9.0.3 httpx==0.29.0 schemathesis==4.32.5 jsonschema==4.26.0 anthropic==2.17.0 selenium==4.51.0
	touch $@

## postgres: Debian's postgresql for the shared-store tests (installed if missing; each test
## starts and stops its own throwaway cluster on loopback)
postgres:
	scripts/pg-cluster.sh install

## browser: Debian's chromium and chromium-driver for the dashboard tests (installed if missing)
browser:
	scripts/install-browser.sh

models:
	@$(SMOLLM2) >/dev/null
	@scripts/fetch-names.sh >/dev/null || echo "warning: census first names unavailable; the PII tests use their lower bar" >&2
	@$(QWEN) >/dev/null || echo "warning: Qwen2.5 model unavailable; its tests will fail" >&2
	@scripts/fetch-model.sh gemma3 >/dev/null || echo "warning: Gemma 3 model unavailable; its tests are skipped" >&2
	@$(MINILM) >/dev/null || echo "warning: all-MiniLM-L6-v2 unavailable; the embedding tests will fail" >&2

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product continuum

## bench: continuum bench on the default model, 1 and 2 threads
bench: release
	.build/release/continuum bench -m "$$($(SMOLLM2))" -p 512 -n 128 -t 1,2

## compare: side by side with llama.cpp built from the llama-cpp-python sdist
compare: release models
	scripts/compare-llamacpp.sh

clean:
	rm -rf .build
