# Continuum: the two commands a fresh machine needs are `make run` and `make test`.
SWIFT ?= swift
SMOLLM2 := scripts/fetch-model.sh smollm2
QWEN := scripts/fetch-model.sh qwen2.5

.PHONY: run test build release models bench compare clean

## run: fetch the default model (first time only) and chat with it
run: release
	@$(SMOLLM2) >/dev/null
	.build/release/continuum chat

## test: fetch the test models (first time only), build once in release, run every test
test: models
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

models:
	@$(SMOLLM2) >/dev/null
	@$(QWEN) >/dev/null || echo "warning: Qwen2.5 model unavailable; its tests will fail" >&2

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
