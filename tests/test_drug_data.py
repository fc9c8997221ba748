import dataclasses
import filecmp
import re

import numpy as np
import pytest
import torch
from helpers import TEST_DATA

from genotools.drugs.baselines import out_of_fold, per_drug_mean, per_drug_ridge, tanimoto_neighbours
from genotools.drugs.chemistry import molecular_graphs, molecules, morgan_fingerprints, tanimoto
from genotools.drugs.simulate import simulate_drug_response
from genotools.drugs.splits import SPLITS, assign_folds, train_test
from genotools.drugs.tables import match, read_drugs, read_response
from genotools.drugs.training import DrugTrainConfig, cross_validate
from genotools.errors import InputError
from genotools.io.tables import normalise, read_omics, summarise
from genotools.metrics import grouped_metrics
from genotools.preprocessing import fit_standardiser

RESPONSE, EXPRESSION, DRUGS = (TEST_DATA / name for name in ("response.tsv", "expression.tsv", "drugs.tsv"))


@pytest.fixture(scope="module")
def bundled():
    response = read_response(RESPONSE)
    return match(response, [read_omics(EXPRESSION, response.cells)], read_drugs(DRUGS))


def write(path, rows):
    path.write_text("".join("\t".join(map(str, row)) + "\n" for row in rows))
    return path


def test_bundled_drug_data_is_what_the_generator_makes(tmp_path):
    for path in simulate_drug_response(tmp_path, seed=1):
        assert filecmp.cmp(path, TEST_DATA / path.name, shallow=False), f"{path.name} differs from test-data/"
        assert (TEST_DATA / path.name).stat().st_size < 1_000_000


def test_identifiers_match_after_normalisation_and_what_did_not_match_is_reported(bundled):
    assert normalise("HCC-1937") == normalise("hcc 1937") == normalise("HCC_1937") == "hcc1937"
    # The expression file spells cell lines without punctuation ("NCIH61"), the response table with ("NCI-H61").
    assert len(bundled.cells) == 97 and len(bundled.drugs) == 24
    assert "MDA-MB-116" in bundled.cells  # the response table's spelling
    assert {what: len(names) for what, names in bundled.unmatched.items()} == {
        f"cell lines of {RESPONSE} not in {EXPRESSION}": 3,
        f"cell lines of {EXPRESSION} not in {RESPONSE}": 2,
        f"drugs of {DRUGS} not in {RESPONSE}": 1}
    assert f"1 drugs of {DRUGS} not in {RESPONSE} (e.g. Pteridox-5)" in summarise(bundled.unmatched)


def test_omics_orientation_is_detected_or_forced(tmp_path):
    response = write(tmp_path / "response.tsv", [("cell_line", "drug", "auc"), ("A-1", "x", 0.5), ("B-2", "x", 0.7)])
    cells = read_response(response).cells
    as_rows = write(tmp_path / "rows.tsv", [("", "TP53", "EGFR"), ("A1", 1, 2), ("B2", 3, 4)])
    as_columns = write(tmp_path / "columns.tsv", [("gene", "a1", "b2"), ("TP53", 1, 3), ("EGFR", 2, 4)])
    for path in (as_rows, as_columns):
        omics = read_omics(path, cells)
        assert omics.features == ["TP53", "EGFR"] and omics.values.tolist() == [[1, 2], [3, 4]]
    assert read_omics(as_columns, cells, orientation="columns").cells == ["a1", "b2"]
    forced_wrong = read_omics(as_columns, cells, orientation="rows")
    with pytest.raises(InputError, match="no measurement has a cell line in"):
        match(read_response(response), [forced_wrong], read_drugs(write(tmp_path / "d.tsv", [("drug", "smiles"),
                                                                                            ("x", "CCO")])))
    unrelated = write(tmp_path / "unrelated.tsv", [("", "TP53"), ("C3", 1)])
    with pytest.raises(InputError, match=f"{re.escape(str(unrelated))}: none of the response table's cell lines"):
        read_omics(unrelated, cells)


@pytest.mark.parametrize("rule, expected", [("mean", 3.0), ("median", 2.0), ("first", 1.0)])
def test_duplicate_measurements_are_merged_by_the_chosen_rule(tmp_path, rule, expected):
    path = write(tmp_path / "response.tsv", [("cell_line", "drug", "ln_ic50"), ("HCC-1937", "Olaparib", 1),
                                             ("hcc1937", "olaparib", 2), ("HCC 1937", "OLAPARIB", 6),
                                             ("HCC-1937", "Cisplatin", 0)])
    response = read_response(path, duplicates=rule)
    assert response.cells == ["HCC-1937", "HCC-1937"] and response.drugs == ["Olaparib", "Cisplatin"]
    assert response.values.tolist() == [expected, 0.0] and response.merged == 2


def test_duplicates_are_refused_when_asked_naming_both_lines(tmp_path):
    path = write(tmp_path / "response.csv", [("Cell,Drug,AUC",), ("A,x,1",), ("B,x,1",), ("a,X,2",)])
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}: line 4: a with X was already measured on line 2;"):
        read_response(path, duplicates="error")


@pytest.mark.parametrize("rows, message", [
    ([("cell_line", "drug", "ln_ic50"), ("A", "x", "high")], "line 2: ln_ic50 value 'high' is not a number"),
    ([("cell_line", "drug", "ln_ic50"), ("A", "x")], "line 2: 2 columns but the header names 3"),
    ([("cell_line", "drug", "score"), ("A", "x", 1)], "line 1: no column for the response value"),
    ([("cell", "cell_line", "drug", "auc"), ("A", "A", "x", 1)], "line 1: 2 columns .* for the cell line"),
])
def test_a_bad_response_table_gets_one_line_naming_the_file_and_line(tmp_path, rows, message):
    path = write(tmp_path / "response.tsv", rows)
    with pytest.raises(InputError, match=f"^{re.escape(str(path))}: {message}") as error:
        read_response(path)
    assert "\n" not in str(error.value)


def test_columns_can_be_named_when_they_cannot_be_recognised(tmp_path):
    path = write(tmp_path / "response.tsv", [("COSMIC", "compound_id", "score"), ("A", "x", 1)])
    response = read_response(path, cell_column="COSMIC", drug_column="compound_id", value_column="score")
    assert (response.cells, response.drugs, response.values.tolist()) == (["A"], ["x"], [1.0])


def test_missing_values_are_skipped_in_the_response_and_imputed_in_the_omics(tmp_path):
    response = read_response(write(tmp_path / "r.tsv", [("cell_line", "drug", "auc"), ("A", "x", "NA"),
                                                        ("B", "x", ""), ("C", "x", 0.2)]))
    assert response.cells == ["C"] and response.missing == 2
    omics = read_omics(write(tmp_path / "o.tsv", [("", "g1", "g2"), ("A", 1, "NA"), ("B", 3, 4), ("C", 5, 8)]),
                       ["A", "B", "C"])
    assert np.isnan(omics.values[0, 1])
    standardiser = fit_standardiser(omics.values, [0, 1, 2])
    assert standardiser.mean.tolist() == [3.0, 6.0]  # g2: the mean of the values present
    assert standardiser.transform(omics.values)[0, 1] == 0.0  # missing: the training mean
    bad = write(tmp_path / "bad.tsv", [("", "g1", "g2"), ("A", 1, "n/a")])
    with pytest.raises(InputError, match=f"^{re.escape(str(bad))}: line 2: g2 value 'n/a' is not a number"):
        read_omics(bad, ["A"])


def test_a_response_table_with_no_overlap_is_an_error(bundled, tmp_path):
    path = write(tmp_path / "response.tsv", [("cell_line", "drug", "ln_ic50"), ("MDA-MB-116", "Aspirin", 1.0)])
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}: no measurement .* 1 drugs of .* not in .* "
                                         r"\(e.g. Aspirin\)"):
        match(read_response(path), [read_omics(EXPRESSION, ["MDA-MB-116"])], read_drugs(DRUGS))


def test_fingerprints_and_similarity(bundled):
    fingerprints = morgan_fingerprints(molecules(bundled.drugs, bundled.smiles, DRUGS))
    assert fingerprints.shape == (24, 2048) and fingerprints.dtype == np.uint8 and fingerprints.max() == 1
    assert morgan_fingerprints(molecules(["x"], ["CCO"], DRUGS), radius=1, n_bits=64).shape == (1, 64)
    similarity = tanimoto(fingerprints, fingerprints)
    assert np.allclose(np.diag(similarity), 1) and np.allclose(similarity, similarity.T)
    family = [i for i, drug in enumerate(bundled.drugs) if drug.startswith("Anilinib")]
    others = [i for i in range(24) if i not in family]
    assert similarity[np.ix_(family, family)].min() > similarity[np.ix_(family, others)].max()


@pytest.mark.parametrize("rows, message", [
    ([("drug", "smiles"), ("5-FU", "C1=C(C(=O)NC(=O)N1)F"), ("5-fu", "CCO")],
     "line 3: drug '5-fu' matches '5-FU' of line 2 .* but has another SMILES"),
    ([("drug", "smiles"), ("Olaparib", "NA")], "line 2: a drug needs a name and a SMILES"),
])
def test_a_bad_drug_table_gets_one_line_naming_the_file_and_line(tmp_path, rows, message):
    path = write(tmp_path / "drugs.tsv", rows)
    with pytest.raises(InputError, match=f"^{re.escape(str(path))}: {message}"):
        read_drugs(path)


def test_a_drug_listed_again_with_the_same_smiles_is_merged_into_its_first_row(tmp_path):
    path = write(tmp_path / "drugs.tsv", [("drug", "smiles"), ("Torin 2", "CCO"), ("Olaparib", "CCN"),
                                          ("torin2", "CCO")])
    drugs = read_drugs(path)
    assert (drugs.names, drugs.smiles) == (["Torin 2", "Olaparib"], ["CCO", "CCN"])
    assert summarise(drugs.merged) == [f"1 drugs of {path} listed again with the same SMILES (e.g. torin2 -> Torin 2)"]


def test_invalid_smiles_are_reported_by_drug_name():
    with pytest.raises(InputError, match=r"^drugs.tsv: 2 invalid SMILES: bad \('C1CC'\), worse \('Xx'\); "):
        molecules(["good", "bad", "worse"], ["c1ccccc1O", "C1CC", "Xx"], "drugs.tsv")


@pytest.mark.parametrize("split", SPLITS)
def test_splits_never_leak_and_are_reproducible(bundled, split):
    folds = assign_folds(bundled, split, folds=5, seed=3)
    assert sorted(np.unique(folds)) == [0, 1, 2, 3, 4]
    assert np.array_equal(folds, assign_folds(bundled, split, folds=5, seed=3))
    assert not np.array_equal(folds, assign_folds(bundled, split, folds=5, seed=4))
    for fold in range(5):
        train, test = train_test(folds, fold)
        if split == "cell-blind":
            assert not set(bundled.cell_index[test]) & set(bundled.cell_index[train])
        if split == "drug-blind":
            assert not set(bundled.drug_index[test]) & set(bundled.drug_index[train])
    with pytest.raises(InputError, match="cannot split 24 drugs into 25 folds"):
        assign_folds(bundled, "drug-blind", folds=25)


def test_preprocessing_and_ridge_use_training_cell_lines_only(bundled):
    train, test = train_test(assign_folds(bundled, "cell-blind", folds=3, seed=0), 0)
    test_cells = np.unique(bundled.cell_index[test])
    train_cells = np.unique(bundled.cell_index[train])
    before = fit_standardiser(bundled.omics[0], train_cells, n_features=50)
    predictions = per_drug_ridge(bundled, train, test, n_features=50)

    altered = bundled.omics[0].copy()
    altered[test_cells[0]] = np.linspace(-1e3, 1e3, altered.shape[1])  # now the most variable in every gene
    after = fit_standardiser(altered, train_cells, n_features=50)
    for name in ("selected", "mean", "scale"):
        assert np.array_equal(getattr(before, name), getattr(after, name))
    others = bundled.cell_index[test] != test_cells[0]
    altered_predictions = per_drug_ridge(dataclasses.replace(bundled, omics=[altered]), train, test, n_features=50)
    assert np.array_equal(altered_predictions[others], predictions[others])


def test_baselines_beat_a_constant_predictor(bundled):
    def rmse_and_pearson(split, baseline, **options):
        folds = assign_folds(bundled, split, folds=3, seed=0)
        constant = out_of_fold(bundled, folds, lambda data, train, test: np.full(len(test), data.values[train].mean()))
        metrics = grouped_metrics(bundled.values, out_of_fold(bundled, folds, baseline, **options), bundled.drug_index)
        return metrics["overall"]["rmse"] / grouped_metrics(bundled.values, constant, bundled.drug_index)[
            "overall"]["rmse"], metrics

    ratio, _ = rmse_and_pearson("cell-blind", per_drug_mean)
    assert ratio < 0.8
    ratio, metrics = rmse_and_pearson("cell-blind", per_drug_ridge)
    assert ratio < 0.7 and metrics["mean_per_group"]["pearson"] > 0.3  # the planted gene effects
    fingerprints = morgan_fingerprints(molecules(bundled.drugs, bundled.smiles, DRUGS))
    ratio, metrics = rmse_and_pearson("drug-blind", tanimoto_neighbours,
                                      similarity=tanimoto(fingerprints, fingerprints))
    assert ratio < 0.7 and metrics["overall"]["pearson"] > 0.7  # drugs of a family act alike


def test_grouped_metrics_average_over_groups():
    truth, predicted = np.array([1.0, 2, 3, 1, 2, 3]), np.array([1.0, 2, 3, 3, 2, 1])
    metrics = grouped_metrics(truth, predicted, np.array([0, 0, 0, 1, 1, 1]))
    assert metrics["mean_per_group"] == pytest.approx({"groups": 2, "pearson": 0, "spearman": 0,
                                                       "rmse": np.sqrt(8 / 3) / 2})
    assert metrics["overall"] == pytest.approx({"n": 6, "pearson": 0, "spearman": 0, "rmse": np.sqrt(4 / 3)})


def test_cross_validation_without_the_final_model_gives_the_same_out_of_fold_predictions(bundled, tmp_path):
    """What benchmarks/drug_response.py relies on to skip the final model."""
    mols = molecules(bundled.drugs, bundled.smiles, DRUGS)
    fingerprints, graphs = morgan_fingerprints(mols), molecular_graphs(mols)
    folds = assign_folds(bundled, "cell-blind", 2, seed=0)
    config = DrugTrainConfig(split="cell-blind", folds=2, features=50, ensemble=1, epochs=2)
    cpu = torch.device("cpu")
    full = cross_validate(bundled, fingerprints, graphs, folds, config, cpu, tmp_path / "full.safetensors")
    folds_only = cross_validate(bundled, fingerprints, graphs, folds, config, cpu, tmp_path / "folds.safetensors",
                                train_final=False)
    assert full.final is not None and folds_only.final is None
    assert len(folds_only.runs) == 2 and len(full.runs) == 3
    # Equal to float32 rounding: under load, PyTorch's CPU threads may sum in another order.
    np.testing.assert_allclose(folds_only.predictions, full.predictions, rtol=1e-5)
