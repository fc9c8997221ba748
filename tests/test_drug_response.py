"""genotools-drug-response train and predict, through the real command line on the bundled study."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import DEVICES, TEST_DATA, error_line, kill_when_checkpointed, run_tool, script
from safetensors.torch import load_file

from genotools.checkpoint import read_metadata

RESPONSE, EXPRESSION, DRUGS = (TEST_DATA / name for name in ("response.tsv", "expression.tsv", "drugs.tsv"))
QUICK = ["--folds", 2, "--features", 50, "--epochs", 3, "--batch-size", 16, "--ensemble", 2, "--threads", 1,
         "--device", "cpu"]


def drug_response(*args, expect=0):
    return run_tool("drug-response", *args, expect=expect)


def train(tmp_path, *args, response=RESPONSE, omics=EXPRESSION, drugs=DRUGS, name="model", expect=0):
    return drug_response("train", "--response", response, "--omics", omics, "--drugs", drugs, *QUICK, *args,
                         "--output", tmp_path / f"{name}.safetensors", expect=expect)


def predict(model, output, *args, omics=EXPRESSION, drugs=DRUGS, expect=0):
    return drug_response("predict", "--model", model, "--omics", omics, "--drugs", drugs, "--device", "cpu",
                         *args, "--output", output, expect=expect)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    result = train(folder)
    return folder / "model.safetensors", result


def test_train_writes_the_model_and_an_honest_cross_validation(trained):
    model, result = trained
    assert "not matched: 3 cell lines of" in result.stderr and "Pteridox-5" in result.stderr
    report = json.loads(model.with_name("model.metrics.json").read_text())
    assert (report["split"], report["folds"], report["cell_lines"], report["drugs"]) == ("cell-blind", 2, 97, 24)
    assert set(report["baselines"]) == {"per_drug_mean", "per_drug_ridge"}
    assert [run["run"] for run in report["runs"]] == [f"{part}, network {n}/2" for part in ("fold 1/2", "fold 2/2",
                                                                                          "final model")
                                                      for n in (1, 2)]
    for metrics in [report["model"], *report["baselines"].values()]:
        assert metrics["overall"]["n"] == report["measurements"] and metrics["mean_per_group"]["groups"] == 24

    predictions = pd.read_csv(model.with_name("model.cv_predictions.tsv"), sep="\t")
    assert list(predictions.columns) == ["cell_line", "drug", "observed", "predicted", "fold", "per_drug_mean",
                                         "per_drug_ridge"]
    assert len(predictions) == report["measurements"] and predictions.notna().all().all()
    assert predictions.groupby("cell_line")["fold"].nunique().max() == 1  # cell-blind: a cell line in one fold
    per_fold = pd.read_csv(model.with_name("model.folds.tsv"), sep="\t")
    assert list(per_fold[["fold", "method"]].itertuples(index=False, name=None)) == [
        (fold, method) for fold in (1, 2) for method in ("model", "per_drug_mean", "per_drug_ridge")]
    assert model.with_name("model.cv.png").read_bytes()[:4] == b"\x89PNG"

    metadata = read_metadata(model)
    assert metadata["kind"] == "drug-response" and metadata["drug_encoder"] == "both"
    assert [len(o["features"]) for o in metadata["omics"]] == [50]
    assert metadata["references"] == [0, 0] and len(metadata["target"]["drugs"]) == 24  # scaled per drug
    assert metadata["ridge"]  # with a per-drug ridge beside the networks


def screened_drugs(tmp_path):
    """The bundled drug table without Pteridox-5, the drug no cell line was screened with."""
    drugs = pd.read_csv(DRUGS, sep="\t")
    drugs[drugs["drug"] != "Pteridox-5"].to_csv(tmp_path / "screened.tsv", sep="\t", index=False)
    return tmp_path / "screened.tsv"


def test_predict_scores_every_cell_line_with_every_drug(trained, tmp_path):
    model, _ = trained
    predict(model, tmp_path / "all.tsv", drugs=screened_drugs(tmp_path))
    table = pd.read_csv(tmp_path / "all.tsv", sep="\t")
    assert list(table.columns) == ["cell_line", "drug", "predicted"]
    assert len(table) == 99 * 24 and table["predicted"].notna().all()  # all profiled cell lines x all drugs

    pairs = tmp_path / "pairs.csv"
    pairs.write_text("Cell line,Compound\nNCI-H309,Anilinib-2\nncih309,anilinib-1\n")
    predict(model, tmp_path / "pairs.tsv", "--pairs", pairs)
    chosen = pd.read_csv(tmp_path / "pairs.tsv", sep="\t")
    assert list(chosen["cell_line"]) == ["NCI-H309", "ncih309"]  # spelt as the user asked
    expected = table.set_index(["cell_line", "drug"])["predicted"]
    assert np.allclose(chosen["predicted"], [expected["NCIH309", "Anilinib-2"], expected["NCIH309", "Anilinib-1"]])

    drugs = pd.read_csv(screened_drugs(tmp_path), sep="\t")
    drugs.iloc[::-2].to_csv(tmp_path / "reordered.tsv", sep="\t", index=False)  # half the drugs, reversed
    predict(model, tmp_path / "reordered_predictions.tsv", drugs=tmp_path / "reordered.tsv")
    reordered = pd.read_csv(tmp_path / "reordered_predictions.tsv", sep="\t").set_index(["cell_line", "drug"])
    reordered = reordered["predicted"]
    assert len(reordered) == 99 * 12 and np.allclose(reordered, expected[reordered.index], atol=1e-4)


def test_a_drug_blind_model_predicts_new_drugs_from_their_similarity_to_the_training_drugs(tmp_path):
    train(tmp_path, "--split", "drug-blind", "--quiet", drugs=screened_drugs(tmp_path))
    metadata = read_metadata(tmp_path / "model.safetensors")
    assert metadata["drug_encoder"] == "similarity" and "drugs" not in metadata["target"]
    assert not metadata["ridge"]
    assert all(0 < references < 24 for references in metadata["references"])  # early-stopping drugs left out
    predict(tmp_path / "model.safetensors", tmp_path / "new.tsv")
    table = pd.read_csv(tmp_path / "new.tsv", sep="\t")
    new = table.loc[table["drug"] == "Pteridox-5", "predicted"]
    assert len(new) == 99 and new.notna().all() and new.std() > 0  # it differs between cell lines


def test_predict_takes_the_omics_in_either_orientation_and_any_feature_order(trained, tmp_path):
    model, _ = trained
    expression = pd.read_csv(EXPRESSION, sep="\t", index_col=0)
    expression.T.iloc[:, ::-1].to_csv(tmp_path / "transposed.csv")  # cell lines as rows, genes reversed
    drugs = screened_drugs(tmp_path)
    predict(model, tmp_path / "original.tsv", drugs=drugs)
    predict(model, tmp_path / "transposed.tsv", omics=tmp_path / "transposed.csv", drugs=drugs)
    original, transposed = (pd.read_csv(tmp_path / f"{name}.tsv", sep="\t") for name in ("original", "transposed"))
    assert np.allclose(original["predicted"], transposed["predicted"], atol=1e-4)


def test_preprocessing_and_scaling_come_from_training_data_only(tmp_path):
    """In a cell-blind fold, changing a test cell line's omics and the test responses changes no prediction for
    the fold's other test cell lines: nothing of the test set reaches the fold's model."""
    train(tmp_path, "--quiet", name="original")
    original = pd.read_csv(tmp_path / "original.cv_predictions.tsv", sep="\t")
    test_cells = sorted(set(original.loc[original["fold"] == 1, "cell_line"]))
    changed_cell = test_cells[0].replace("-", "")  # as the expression table spells it

    expression = pd.read_csv(EXPRESSION, sep="\t", index_col=0)
    expression[changed_cell] = expression[changed_cell] * 50 + 100
    expression.to_csv(tmp_path / "expression.tsv", sep="\t")
    response = pd.read_csv(RESPONSE, sep="\t")
    response.loc[response["cell_line"].isin(test_cells), "ln_ic50"] += 30
    response.to_csv(tmp_path / "response.tsv", sep="\t", index=False)
    train(tmp_path, "--quiet", name="changed", response=tmp_path / "response.tsv", omics=tmp_path / "expression.tsv")

    changed = pd.read_csv(tmp_path / "changed.cv_predictions.tsv", sep="\t")
    others = (original["fold"] == 1) & (original["cell_line"] != test_cells[0])
    assert others.sum() > 100
    assert np.array_equal(original.loc[others, "predicted"], changed.loc[others, "predicted"])
    assert not np.array_equal(original["predicted"], changed["predicted"])  # the other fold did see the change


def test_a_killed_cross_validation_resumes_to_the_same_results(tmp_path):
    options = ["--response", RESPONSE, "--omics", EXPRESSION, "--drugs", DRUGS, *QUICK, "--epochs", 30, "--quiet"]
    drug_response("train", *options, "--output", tmp_path / "unbroken.safetensors")

    killed, checkpoint = tmp_path / "killed.safetensors", tmp_path / "killed.checkpoint.safetensors"
    # killed in the final model's second network: the first, and the out-of-fold predictions, must come back
    kill_when_checkpointed([script("genotools-drug-response"), "train", *options, "--output", killed], checkpoint,
                           "run", 5)
    assert not killed.exists()

    drug_response("train", *options, "--output", killed, "--resume", checkpoint)
    unbroken, resumed = load_file(tmp_path / "unbroken.safetensors"), load_file(killed)
    assert all(torch.equal(unbroken[k], resumed[k]) for k in unbroken)
    tables = [(tmp_path / f"{name}.cv_predictions.tsv").read_text() for name in ("unbroken", "killed")]
    assert tables[0] == tables[1]

    result = drug_response("train", *options, "--lr", 0.01, "--output", tmp_path / "other.safetensors",
                           "--resume", checkpoint, expect=2)
    assert "other training options" in error_line(result)


@pytest.mark.skipif("cuda" not in DEVICES, reason="needs a CUDA GPU")
def test_the_same_seed_gives_the_same_model_on_the_gpu(tmp_path):
    for name in ("a", "b"):
        train(tmp_path, "--device", "cuda", name=name)
    a, b = (load_file(tmp_path / f"{name}.safetensors") for name in ("a", "b"))
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("split, baselines", [("drug-blind", ["tanimoto_neighbours"]),
                                              ("random", ["per_drug_mean", "per_drug_ridge"])])
def test_every_split_is_evaluated_beside_its_baselines(tmp_path, split, baselines):
    train(tmp_path, "--split", split, "--epochs", 1, "--quiet")
    report = json.loads((tmp_path / "model.metrics.json").read_text())
    assert report["split"] == split and list(report["baselines"]) == baselines
    predictions = pd.read_csv(tmp_path / "model.cv_predictions.tsv", sep="\t")
    if split == "drug-blind":
        assert predictions.groupby("drug")["fold"].nunique().max() == 1


def test_missing_values_are_skipped_or_imputed(tmp_path):
    response = pd.read_csv(RESPONSE, sep="\t")
    response.loc[:9, "ln_ic50"] = np.nan
    response.to_csv(tmp_path / "response.tsv", sep="\t", index=False, na_rep="NA")
    expression = pd.read_csv(EXPRESSION, sep="\t", index_col=0)
    expression.iloc[:5, :5] = np.nan
    expression.to_csv(tmp_path / "expression.tsv", sep="\t", na_rep="")
    result = train(tmp_path, response=tmp_path / "response.tsv", omics=tmp_path / "expression.tsv")
    assert "(10 rows without a value" in result.stderr
    assert pd.read_csv(tmp_path / "model.cv_predictions.tsv", sep="\t")["predicted"].notna().all()


def _outputs(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("model"))


@pytest.mark.parametrize("table, content, message", [
    ("drugs", "drug\tsmiles\nAnilinib-1\tC1CC\nAnilinib-2\tnot a molecule\n",
     r"2 invalid SMILES: Anilinib-1 \('C1CC'\), Anilinib-2 \('not a molecule'\)"),
    ("response", "cell_line\tdrug\tln_ic50\nNOBODY\tAnilinib-1\t1.0\n",
     r"expression.tsv: none of the response table's cell lines among its row names and its column names"),
    ("response", "cell_line\tdrug\tln_ic50\nNCI-H309\tAnilinib-1\thigh\n", r"line 2: .*'high'"),
    ("response", "cell_line\tdrug\tln_ic50\n",
     r"/response.tsv: response file has a header but no rows; add its rows below the header"),
    ("response", "cell_line\tdrug\tln_ic50\nNCI-H309\tAnilinib-1\tNA\n",
     r"/response.tsv: no measurements: all 1 rows lack a value; add rows"),
    ("omics", "gene\tNCIH309\tMDAMB116\n",
     r"/omics.tsv: omics file has a header but no rows; add its rows below the header"),
    ("drugs", "drug\tsmiles\n", r"/drugs.tsv: drugs file has a header but no rows; add its rows below the header"),
    ("drugs", "drug\tsmiles\nTorin 2\tCCO\ntorin2\tCCN\n",
     r"/drugs.tsv: line 3: drug 'torin2' matches 'Torin 2' of line 2 \(case, punctuation and spaces ignored\) "
     r"but has another SMILES; keep the right row of the two, or rename one if they are different drugs"),
])
def test_bad_tables_get_one_line_and_leave_no_output(tmp_path, table, content, message):
    path = tmp_path / f"{table}.tsv"
    path.write_text(content)
    result = train(tmp_path, **{table: path}, expect=2)
    assert re.search(message, error_line(result)), error_line(result)
    assert _outputs(tmp_path) == []


def test_a_drug_listed_again_with_the_same_smiles_is_merged_and_reported(tmp_path):
    drugs = pd.read_csv(DRUGS, sep="\t")
    again = drugs[drugs["drug"] == "Anilinib-1"].assign(drug="anilinib 1")  # as GDSC1 lists "Torin 2", "torin2"
    pd.concat([drugs, again]).to_csv(tmp_path / "drugs.tsv", sep="\t", index=False)
    result = train(tmp_path, "--epochs", 1, "--ensemble", 1, drugs=tmp_path / "drugs.tsv")
    assert (f"merged: 1 drugs of {tmp_path / 'drugs.tsv'} listed again with the same SMILES "
            "(e.g. anilinib 1 -> Anilinib-1)") in result.stderr
    assert json.loads((tmp_path / "model.metrics.json").read_text())["drugs"] == 24


@pytest.mark.parametrize("args, message", [
    (["--split", "leave-one-out"], "--split 'leave-one-out': choose random, cell-blind, drug-blind"),
    (["--drug-encoder", "transformer"],
     "--drug-encoder 'transformer': choose auto, fingerprint, graph, both, similarity"),
    (["--folds", 200], "cannot split 97 cell lines into 200 folds"),
    (["--log"], "negative values cannot be log-transformed"),
])
def test_bad_options_get_one_line_and_leave_no_output(tmp_path, args, message):
    expression = pd.read_csv(EXPRESSION, sep="\t", index_col=0)
    (expression - 5).to_csv(tmp_path / "expression.tsv", sep="\t")  # negative, as log-scale data are
    result = train(tmp_path, *args, omics=tmp_path / "expression.tsv", expect=2)
    assert message in error_line(result)
    assert _outputs(tmp_path) == []


def test_predict_refuses_what_does_not_fit_the_model(trained, tmp_path):
    model, _ = trained
    output = tmp_path / "out.tsv"
    result = predict(TEST_DATA / "small.safetensors", output, expect=2)
    assert "not a drug-response model" in error_line(result)
    result = predict(model, output, "--omics", EXPRESSION, expect=2)
    assert "trained on 1 omics matrices (expression.tsv); give 1 --omics, not 2" in error_line(result)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("cell_line\tdrug\nNCI-H309\tAspirin\n")
    result = predict(model, output, "--pairs", pairs, expect=2)
    assert error_line(result).endswith(f"{pairs}: drugs not in {DRUGS}: Aspirin")
    pairs.write_text("cell_line\tdrug\nNCI-H309\tPteridox-5\nNCI-H351\tPteridox-5\nHCC-226\tPteridox-5\n")
    result = predict(model, output, "--pairs", pairs, expect=2)  # orientation is told by the model's features
    assert error_line(result).endswith(f"{pairs}: cell lines not in {EXPRESSION}: HCC-226, NCI-H351")
    pairs.write_text("cell_line\tdrug\nNCI-H309\tPteridox-5\n")
    result = predict(model, output, "--pairs", pairs, expect=2)
    assert re.search(r"1 drugs are new to it \(e.g. Pteridox-5\).*--split drug-blind", error_line(result))
    assert not output.exists()
