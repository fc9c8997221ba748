"""genotools-gene-function train and predict, through the real command line on the bundled simulated study."""

import filecmp
import json

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import DEVICES, TEST_DATA, error_line, kill_when_checkpointed, run_tool, script
from safetensors.torch import load_file, save_file

from genotools.checkpoint import read_metadata
from genotools.function.simulate import simulate_gene_function

STUDY = {name: TEST_DATA / f"gene_function_{name}" for name in
         ("annotations.gaf", "go.obo", "expression.tsv", "proteins.fa", "network.tsv")}
FILES = {"--expression": STUDY["expression.tsv"], "--sequences": STUDY["proteins.fa"],
         "--network": STUDY["network.tsv"]}
RUNTIME = ["--threads", 1, "--device", "cpu"]


def gene_function(*args, expect=0):
    return run_tool("gene-function", *args, expect=expect)


def train(output, *args, annotations=STUDY["annotations.gaf"], files=FILES, expect=0):
    options = [word for flag, path in files.items() for word in (flag, path)]
    return gene_function("train", "--annotations", annotations, "--ontology", STUDY["go.obo"], *options, "--log",
                         *RUNTIME, *args, "--output", output, expect=expect)


def predict(model, output, *args, files=FILES, expect=0):
    options = [word for flag, path in files.items() for word in (flag, path)]
    return gene_function("predict", "--model", model, *options, *RUNTIME, *args, "--output", output, expect=expect)


def gaf_lines(path=STUDY["annotations.gaf"]):
    return path.read_text().splitlines()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A gnn trained on the study, with electronic annotations left out and a term that no ontology has."""
    folder = tmp_path_factory.mktemp("trained")
    fields = gaf_lines()[-1].split("\t")
    fields[4] = "GO:9999999"
    annotations = folder / "annotations.gaf"
    annotations.write_text("\n".join([*gaf_lines(), "\t".join(fields)]) + "\n")
    result = train(folder / "model.safetensors", "--evidence-drop", "IEA", annotations=annotations)
    return folder / "model.safetensors", result


def test_train_reports_terms_and_genes_and_evaluates_beside_the_baselines(trained):
    model, result = trained
    assert "1 terms not in" in result.stderr and "GO:9999999" in result.stderr
    assert "1 obsolete terms without a replacement (e.g. GO:0990997)" in result.stderr
    assert "genes without an edge in the network" in result.stderr  # the study's disconnected genes
    assert f"genes of {STUDY['network.tsv']} not annotated in" in result.stderr

    report = json.loads(model.with_name("model.metrics.json").read_text())
    assert (report["split"], report["network"], report["aspect"]) == ("random", "gnn", "BP")
    assert report["evidence_dropped"] == ["IEA"] and report["annotation_lines_dropped"]["evidence code"] > 30
    assert report["reported_terms"]["obsolete terms without a replacement"] == ["GO:0990997"]
    assert set(report["baselines"]) == {"naive", "neighbours", "random walk"}
    for metrics in [report["model"], *report["baselines"].values()]:
        assert metrics["genes"] == report["test_genes"] and 0 < metrics["fmax"] <= 1 and metrics["smin"] > 0
        assert len(metrics["curve"]["precision"]) == 100
    # The study's electronic annotations are as right as the others, so leaving them out costs Fmax: about 0.55
    # against naive 0.39 here, 0.70 against 0.45 with them.
    assert report["model"]["fmax"] > report["baselines"]["naive"]["fmax"]

    held_out = pd.read_csv(model.with_name("model.test_predictions.tsv"), sep="\t")
    assert list(held_out.columns) == ["gene", "term", "name", "annotated", "score"]
    assert held_out["gene"].nunique() == report["test_genes"] and (held_out["score"] >= 0).all()
    assert model.with_name("model.pr.png").read_bytes()[:4] == b"\x89PNG"

    metadata = read_metadata(model)
    assert metadata["kind"] == "gene-function" and metadata["model"] == "gnn"
    assert set(metadata["features"]) == {"expression", "sequence"} and metadata["features"]["expression"]["log"]


def test_predictions_are_consistent_with_the_ontology(trained, tmp_path):
    model, _ = trained
    parents = read_metadata(model)["parents"]
    terms = read_metadata(model)["terms"]
    predict(model, tmp_path / "all.tsv", "--top-k", 0)
    table = pd.read_csv(tmp_path / "all.tsv", sep="\t")
    assert list(table.columns) == ["gene", "term", "name", "score"]
    scores = table.pivot(index="gene", columns="term", values="score")
    assert len(scores) == 294 and scores.notna().all().all()  # every gene with expression or a sequence
    for term, term_parents in zip(terms, parents):
        for parent in term_parents:
            if terms[parent] in scores:  # the root is left out
                assert (scores[terms[parent]] >= scores[term]).all()

    predict(model, tmp_path / "best.tsv", "--top-k", 3, "--threshold", 0.2)
    best = pd.read_csv(tmp_path / "best.tsv", sep="\t")
    assert best.groupby("gene").size().max() == 3 and (best["score"] >= 0.2).all()
    written = set(zip(best["gene"], best["term"]))
    roots = {term for term, term_parents in zip(terms, parents) if not term_parents}
    for gene, term in written:  # the best terms of a gene include their ancestors
        assert all((gene, terms[p]) in written for p in parents[terms.index(term)] if terms[p] not in roots)


def test_predict_a_gene_list_spelt_otherwise_with_genes_without_features_or_edges(trained, tmp_path):
    model, _ = trained
    network = set(pd.read_csv(STUDY["network.tsv"], sep="\t")[["gene_a", "gene_b"]].to_numpy().ravel())
    connected = {name.replace("_", "-").lower() for name in network}
    expressed = pd.read_csv(STUDY["expression.tsv"], sep="\t")["gene"]
    disconnected = next(gene for gene in expressed if gene.replace("gf", "gf-") not in connected)
    genes = tmp_path / "genes.txt"
    genes.write_text(f"GF_5\nNOT-A-GENE\nGF-9000\n{disconnected.upper()}\n")
    result = predict(model, tmp_path / "chosen.tsv", "--genes", genes)
    assert "1 genes are in none of the input files, left out (e.g. NOT-A-GENE)" in result.stderr
    assert "1 genes have no expression or sequence and are predicted from their neighbours (e.g. GF-9000)" \
        in result.stderr
    chosen = pd.read_csv(tmp_path / "chosen.tsv", sep="\t")
    assert set(chosen["gene"]) == {"GF_5", "GF-9000", disconnected.upper()}  # spelt as the list spells them
    assert chosen.groupby("gene").size().min() == 10  # --top-k's default

    genes.write_text("NOT-A-GENE\n")
    result = predict(model, tmp_path / "none.tsv", "--genes", genes, "--quiet", expect=2)
    assert "none of its genes has features or an edge" in error_line(result)
    assert not (tmp_path / "none.tsv").exists()


def test_a_time_split_tests_the_genes_first_annotated_in_the_newer_release(tmp_path):
    """The older release lacks the annotations of 40 genes that the bundled (newer) one has."""
    genes = sorted({line.split("\t")[2] for line in gaf_lines() if not line.startswith("!")})
    newly = set(np.random.default_rng(0).choice(genes, 40, replace=False))
    older = tmp_path / "older.gaf"
    older.write_text("\n".join(line for line in gaf_lines() if line.startswith("!") or line.split("\t")[2]
                               not in newly) + "\n")
    files = {"--expression": STUDY["expression.tsv"]}
    train(tmp_path / "model.safetensors", "--split", "time", "--newer-annotations", STUDY["annotations.gaf"],
          "--model", "mlp", "--epochs", 50, "--quiet", annotations=older, files=files)
    report = json.loads((tmp_path / "model.metrics.json").read_text())
    assert report["split"] == "time" and list(report["baselines"]) == ["naive"]  # no network, no neighbours
    test_genes = set(pd.read_csv(tmp_path / "model.test_predictions.tsv", sep="\t")["gene"])
    assert report["test_genes"] > 25 and {gene.upper().replace("GF", "GF-") for gene in test_genes} <= newly

    predict(tmp_path / "model.safetensors", tmp_path / "predictions.tsv", files=files)
    result = predict(tmp_path / "model.safetensors", tmp_path / "wrong.tsv", files=FILES, expect=2)
    assert "the model was trained on --expression; give the same kinds of files (--sequences is not one of them)" \
        in error_line(result)


def _outputs(folder):
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("model"))


def test_files_naming_genes_differently_throughout_are_refused_in_one_line(tmp_path):
    renamed = tmp_path / "expression.tsv"
    renamed.write_text(STUDY["expression.tsv"].read_text().replace("gf", "ENSG"))
    result = train(tmp_path / "model.safetensors", files={"--expression": renamed}, expect=2)
    assert "none of the annotated genes among its row names and its column names" in error_line(result)
    assert _outputs(tmp_path) == []


@pytest.mark.parametrize("args, files, message", [
    (["--model", "gnn"], {"--expression": STUDY["expression.tsv"]}, "--model gnn learns over an interaction network"),
    ([], {"--network": STUDY["network.tsv"]}, "give --expression or --sequences (or both)"),
    (["--aspect", "XX"], FILES, "--aspect 'XX': choose BP, MF, CC"),
    (["--split", "time"], FILES, "--split time needs --newer-annotations"),
    (["--min-genes-per-term", 1000, "--quiet"], FILES, "no term annotates 1000 of the"),
])
def test_bad_options_get_one_line_and_leave_no_output(tmp_path, args, files, message):
    result = train(tmp_path / "model.safetensors", *args, files=files, expect=2)
    assert message in error_line(result)
    assert _outputs(tmp_path) == []


def test_evidence_codes_need_a_gaf_file(tmp_path):
    table = tmp_path / "gene_terms.tsv"
    table.write_text("gene\tterm\nGF-1\tGO:0990006\n")
    result = train(tmp_path / "model.safetensors", "--evidence-drop", "IEA,TAS", annotations=table, expect=2)
    assert "a gene-term table has no evidence codes to drop" in error_line(result)


def test_each_tool_refuses_the_other_tools_models(tmp_path):
    output = tmp_path / "out.tsv"
    result = predict(TEST_DATA / "drug_response.safetensors", output, expect=2)
    assert "not a gene-function model" in error_line(result)
    model = TEST_DATA / "gene_function.safetensors"
    result = run_tool("drug-response", "predict", "--model", model, "--omics", TEST_DATA / "expression.tsv",
                      "--drugs", TEST_DATA / "drugs.tsv", "--output", output, expect=2)
    assert "not a drug-response model" in error_line(result)
    result = run_tool("predict", "--model", model, "--fasta", TEST_DATA / "sequences.fa", "--output", output,
                      expect=2)
    assert "not a sequence model" in error_line(result)
    result = predict(model, output, files={"--expression": STUDY["expression.tsv"],
                                           "--sequences": STUDY["proteins.fa"]}, expect=2)
    assert "the model is a gnn, which predicts over the interaction network: give --network" in error_line(result)
    assert not output.exists()


def test_a_model_whose_weights_do_not_fit_its_metadata_is_refused_in_one_line(tmp_path):
    """As a model file written by another version of the network would be."""
    bundled, model = TEST_DATA / "gene_function.safetensors", tmp_path / "model.safetensors"
    tensors = load_file(bundled)
    tensors["renamed_weight"] = tensors.pop("vote_weight")
    save_file(tensors, model, metadata={"genotools": json.dumps(read_metadata(bundled))})
    result = predict(model, tmp_path / "out.tsv", expect=2)
    assert "weights do not fit the network in its metadata" in error_line(result)
    assert not (tmp_path / "out.tsv").exists()


def test_a_run_killed_while_training_the_final_model_resumes_to_the_same_model_and_evaluation(tmp_path):
    """The checkpoint keeps the evaluated network, finished before the kill, for the resumed run to evaluate."""
    args = ["--epochs", 40, "--patience", 40, "--quiet"]  # 40 epochs per network, no early stop
    train(tmp_path / "unbroken.safetensors", *args)

    killed, checkpoint = tmp_path / "killed.safetensors", tmp_path / "killed.checkpoint.safetensors"
    files = [word for flag, path in FILES.items() for word in (flag, path)]
    command = [script("genotools-gene-function"), "train", "--annotations", STUDY["annotations.gaf"], "--ontology",
               STUDY["go.obo"], *files, "--log", *RUNTIME, *args, "--output", killed]
    assert kill_when_checkpointed(command, checkpoint, "run", 1) == 1 and not killed.exists()

    train(killed, *args, "--resume", checkpoint)
    unbroken, resumed = load_file(tmp_path / "unbroken.safetensors"), load_file(killed)
    assert unbroken.keys() == resumed.keys() and all(torch.equal(unbroken[k], resumed[k]) for k in unbroken)
    for suffix in (".metrics.json", ".test_predictions.tsv"):
        assert (tmp_path / f"unbroken{suffix}").read_bytes() == (tmp_path / f"killed{suffix}").read_bytes()

    result = train(tmp_path / "other.safetensors", *args, "--lr", 0.01, "--resume", checkpoint, expect=2)
    assert "other training options" in error_line(result)


@pytest.mark.skipif("cuda" not in DEVICES, reason="needs a CUDA GPU")
def test_the_same_seed_gives_the_same_model_on_the_gpu(tmp_path):
    for name in ("a", "b"):
        train(tmp_path / f"{name}.safetensors", "--device", "cuda")
    a, b = (load_file(tmp_path / f"{name}.safetensors") for name in ("a", "b"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_the_bundled_model_predicts_the_bundled_study(tmp_path):
    predict(TEST_DATA / "gene_function.safetensors", tmp_path / "predictions.tsv", "--quiet")
    table = pd.read_csv(tmp_path / "predictions.tsv", sep="\t")
    assert table["gene"].nunique() == 294 and table["term"].str.startswith("GO:0990").all()


def test_the_bundled_study_is_what_the_generator_makes(tmp_path):
    for path in simulate_gene_function(tmp_path, seed=1, prefix="gene_function_"):
        assert filecmp.cmp(path, TEST_DATA / path.name, shallow=False), f"{path.name} differs from test-data/"
    assert (TEST_DATA / "gene_function.safetensors").stat().st_size < 1_000_000
