# `make demo` and `make test` set themselves up: a virtualenv in .venv with the CPU build of PyTorch
# (installed first, from the pinned file on disk, so that no multi-GB CUDA build is pulled) and genotools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO := results/demo

.PHONY: install demo test test-data benchmark clean

install: $(INSTALLED)

$(INSTALLED): setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(INSTALLED)
	$(BIN)/genotools-encode --reference test-data/genome.fa --regions test-data/regions.bed --output $(DEMO)/data.h5
	$(BIN)/genotools-train --data $(DEMO)/data.h5 --valid-chroms chr8 --test-chroms chr9 --output $(DEMO)/model.safetensors
	$(BIN)/genotools-predict --model $(DEMO)/model.safetensors --reference test-data/genome.fa \
		--regions test-data/regions.bed --output $(DEMO)/predictions.tsv
	@$(BIN)/python -c 'import json; m = json.load(open("$(DEMO)/model.metrics.json"))["test"]; \
		print("test AUROC (chr9):", ", ".join("%s %.3f" % (t, v["auroc"]) for t, v in m.items() if "auroc" in v))'
	@echo "results in $(DEMO)/: data.h5, model.safetensors, model.metrics.json, model.learning_curves.png, predictions.tsv"

test: $(INSTALLED)
	$(BIN)/pytest -q

test-data: $(INSTALLED)
	$(BIN)/genotools-simulate --output-dir test-data --seed 1

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/encode.py
	$(BIN)/python benchmarks/train.py

clean:
	rm -rf $(VENV) results
