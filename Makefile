# `make demo` and `make test` set themselves up: bcftools/tabix/samtools from Debian (the tests check VCF
# output with them), a virtualenv in .venv with the CPU build of PyTorch (installed first, from the pinned
# file on disk, so that no multi-GB CUDA build is pulled) and genotools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO := results/demo

.PHONY: install demo test test-data benchmark wrappers galaxy-test clean

install: $(INSTALLED)

$(INSTALLED): setup.py pyproject.toml
	command -v bcftools >/dev/null || (apt-get update -qq && apt-get install -y -qq bcftools tabix samtools)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(INSTALLED)
	$(BIN)/genotools-qc --reference test-data/genome.fa --regions test-data/regions.bed --vcf test-data/variants.vcf \
		--matrix test-data/expression.tsv --report $(DEMO)/qc.html --summary $(DEMO)/qc.json \
		--multiqc $(DEMO)/qc_mqc.json --fail-on ref_mismatch_fraction=0 --fail-on contigs_not_in_reference=0
	$(BIN)/genotools-encode --reference test-data/genome.fa --regions test-data/regions.bed --output $(DEMO)/data.h5
	$(BIN)/genotools-train --data $(DEMO)/data.h5 --valid-chroms chr8 --test-chroms chr9 --output $(DEMO)/model.safetensors
	$(BIN)/genotools-predict --model $(DEMO)/model.safetensors --reference test-data/genome.fa \
		--regions test-data/regions.bed --output $(DEMO)/predictions.tsv
	$(BIN)/genotools-score-variants --model $(DEMO)/model.safetensors --reference test-data/genome.fa \
		--vcf test-data/variants.vcf --output $(DEMO)/variants.scored.vcf.gz --tsv $(DEMO)/variants.scores.tsv \
		--plot $(DEMO)/variants.genome.png
	$(BIN)/python benchmarks/variant_effects.py $(DEMO)/variants.scored.vcf.gz
	rm -rf $(DEMO)/variants.logos
	$(BIN)/genotools-interpret --model $(DEMO)/model.safetensors --reference test-data/genome.fa \
		--vcf test-data/variants.vcf --task ap1_bound --method gradient-input --output $(DEMO)/variants.attributions.tsv \
		--logos $(DEMO)/variants.logos --max-logos 10
	$(BIN)/genotools-drug-response train --response test-data/response.tsv --omics test-data/expression.tsv \
		--drugs test-data/drugs.tsv --split drug-blind --batch-size 16 --output $(DEMO)/drug_response.safetensors
	$(BIN)/genotools-drug-response predict --model $(DEMO)/drug_response.safetensors \
		--omics test-data/expression.tsv --drugs test-data/drugs.tsv --output $(DEMO)/drug_response.predictions.tsv
	$(BIN)/genotools-gene-function train --annotations test-data/gene_function_annotations.gaf \
		--ontology test-data/gene_function_go.obo --expression test-data/gene_function_expression.tsv --log \
		--sequences test-data/gene_function_proteins.fa --network test-data/gene_function_network.tsv \
		--evidence-drop IEA --output $(DEMO)/gene_function.safetensors
	$(BIN)/genotools-gene-function predict --model $(DEMO)/gene_function.safetensors \
		--expression test-data/gene_function_expression.tsv --sequences test-data/gene_function_proteins.fa \
		--network test-data/gene_function_network.tsv --output $(DEMO)/gene_function.predictions.tsv
	rm -rf $(DEMO)/associate && $(BIN)/genotools-associate scan --vcf test-data/cohort.vcf.gz \
		--phenotypes test-data/cohort_phenotypes.tsv --phenotype status --covariates age,sex,PC1..PC2 \
		--output-dir $(DEMO)/associate
	$(BIN)/genotools-associate predict --model $(DEMO)/associate/model.safetensors --vcf test-data/cohort.vcf.gz \
		--phenotypes test-data/cohort_phenotypes.tsv --output $(DEMO)/associate.risk.tsv
	@$(BIN)/python -c 'import json; m = json.load(open("$(DEMO)/model.metrics.json"))["test"]; \
		print("test AUROC (chr9):", ", ".join("%s %.3f" % (t, v["auroc"]) for t, v in m.items() if "auroc" in v))'
	@echo "results in $(DEMO)/: data.h5, model.safetensors, model.metrics.json, model.learning_curves.png," \
		"predictions.tsv, variants.scored.vcf.gz, variants.scores.tsv, variants.genome.png," \
		"variants.attributions.tsv, variants.logos/, drug_response.safetensors, drug_response.metrics.json," \
		"drug_response.folds.tsv, drug_response.cv_predictions.tsv, drug_response.cv.png," \
		"drug_response.predictions.tsv, gene_function.safetensors, gene_function.metrics.json," \
		"gene_function.pr.png, gene_function.test_predictions.tsv, gene_function.predictions.tsv," \
		"qc.html, qc.json, qc_mqc.json, associate/, associate.risk.tsv"

test: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

# The text files come from the simulators; the small dataset and model, used by the wrapper tests, from the tools;
# the Keras file of SpliceAI's architecture with synthetic weights, from the tests' writer of such files, and the
# splice model of the platform tests (SpliceAI-80nt, synthetic weights) imported from two more of them.
test-data: $(INSTALLED)
	$(BIN)/genotools-simulate --output-dir test-data --seed 1
	$(BIN)/python -c 'import pysam; pysam.tabix_compress("test-data/variants.vcf", "test-data/variants.vcf.gz", \
		force=True); pysam.tabix_index("test-data/variants.vcf.gz", preset="vcf", force=True)'
	rm -rf test-data/tiny_esm2 && $(BIN)/python tests/tiny_esm.py test-data/tiny_esm2
	$(BIN)/python -c 'from genotools.qc.simulate import simulate_qc; simulate_qc("test-data", seed=1)'
	$(BIN)/python -c 'from genotools.drugs.simulate import simulate_drug_response; simulate_drug_response("test-data", seed=1)'
	$(BIN)/genotools-encode --reference test-data/genome.fa --regions test-data/regions_small.bed \
		--output test-data/small.h5 --quiet
	$(BIN)/genotools-train --data test-data/small.h5 --epochs 2 --batch-size 64 --threads 1 --device cpu --quiet \
		--param channels=16 --param lstm_hidden=8 --param hidden=16 --output test-data/small.safetensors \
		--checkpoint results/small.checkpoint.safetensors --metrics results/small.metrics.json \
		--plot results/small.learning_curves.png
	$(BIN)/genotools-drug-response train --response test-data/response.tsv --omics test-data/expression.tsv \
		--drugs test-data/drugs.tsv --split drug-blind --folds 2 --features 50 --epochs 2 --ensemble 2 --threads 1 \
		--device cpu --quiet \
		--output test-data/drug_response.safetensors --checkpoint results/drug_response.checkpoint.safetensors \
		--metrics results/drug_response.metrics.json --fold-table results/drug_response.folds.tsv \
		--predictions results/drug_response.cv_predictions.tsv --plot results/drug_response.cv.png
	$(BIN)/python -c 'from genotools.function.simulate import simulate_gene_function; \
		simulate_gene_function("test-data", seed=1, prefix="gene_function_")'
	$(BIN)/python -c 'from genotools.association.simulate import simulate_cohort; simulate_cohort("test-data", seed=1)'
	$(BIN)/python tests/keras_spliceai.py test-data/spliceai_synthetic.h5
	mkdir -p results && $(BIN)/python tests/keras_spliceai.py results/spliceai80_0.h5 80 0 \
		&& $(BIN)/python tests/keras_spliceai.py results/spliceai80_1.h5 80 1
	$(BIN)/genotools-import-model --source spliceai --weights results/spliceai80_0.h5 --weights results/spliceai80_1.h5 \
		--quiet --output test-data/spliceai80_synthetic.safetensors
	rm -rf results/associate && $(BIN)/genotools-associate scan --vcf test-data/cohort.vcf.gz \
		--phenotypes test-data/cohort_phenotypes.tsv --phenotype status --covariates age,sex,PC1..PC2 --folds 2 \
		--epochs 30 --lr 3e-3 --threads 1 --device cpu --quiet --output-dir results/associate \
		&& cp results/associate/model.safetensors test-data/associate.safetensors
	$(BIN)/genotools-gene-function train --annotations test-data/gene_function_annotations.gaf \
		--ontology test-data/gene_function_go.obo --expression test-data/gene_function_expression.tsv --log \
		--sequences test-data/gene_function_proteins.fa --network test-data/gene_function_network.tsv \
		--threads 1 --device cpu --quiet --output test-data/gene_function.safetensors \
		--checkpoint results/gene_function.checkpoint.safetensors \
		--metrics results/gene_function.metrics.json --plot results/gene_function.pr.png \
		--test-predictions results/gene_function.test_predictions.tsv

# Galaxy XML, CWL and Nextflow modules, rendered from the Typer apps and tools/specs/*.yml.
wrappers: $(INSTALLED)
	$(BIN)/python -m genotools.tools.wrappers

# A real Galaxy server (its own virtualenv) loads every tool and runs every tool test.
galaxy-test: $(INSTALLED)
	bash tests/galaxy-test.sh

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/encode.py
	$(BIN)/python benchmarks/train.py
	$(BIN)/python benchmarks/genome_scale.py

clean:
	rm -rf $(VENV) results
