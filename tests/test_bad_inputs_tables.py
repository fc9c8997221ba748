"""Bad numeric and named tables across the tools, through their real command lines: non-finite numbers, a UTF-8
byte-order mark, names given twice, a task without labels, and messages that name the file at fault. Each bad
input gets one line on stderr, exit code 2, and no output left behind."""

import h5py
import numpy as np
import pytest
from helpers import TEST_DATA, error_line, run_tool

from genotools.function.annotations import read_annotations
from genotools.function.ontology import read_obo

PHENOTYPES = TEST_DATA / "cohort_phenotypes.tsv"
VCF = TEST_DATA / "cohort.vcf.gz"
LABELS = TEST_DATA / "sequences_labels.tsv"
BED = TEST_DATA / "regions_small.bed"
GENE_FUNCTION = {name: TEST_DATA / f"gene_function_{name}" for name in
                 ("annotations.gaf", "go.obo", "expression.tsv", "proteins.fa", "network.tsv")}


def outputs(folder):
    return sorted(path.name for path in folder.iterdir())


def replaced(path, line, column, value, out):
    """A copy of the table `path` at `out` with the field (`line` counted from 1, `column` from 0) set to
    `value`."""
    lines = path.read_text().splitlines()
    fields = lines[line - 1].split("\t")
    fields[column] = value
    lines[line - 1] = "\t".join(fields)
    out.write_text("\n".join(lines) + "\n")
    return out


def encode_labels(tmp_path, labels, expect=0):
    return run_tool("encode", "--fasta", TEST_DATA / "sequences.fa", "--labels", labels,
                    "--output", tmp_path / "out" / "data.h5", expect=expect)


def encode_regions(tmp_path, bed, expect=0):
    (tmp_path / "out").mkdir(exist_ok=True)
    return run_tool("encode", "--reference", TEST_DATA / "genome.fa", "--regions", bed,
                    "--output", tmp_path / "out" / "data.h5", expect=expect)


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# 1. numbers that are not finite

@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "1e400"])
def test_a_label_that_is_not_finite_is_refused_by_its_line_and_column(tmp_path, out, value):
    labels = replaced(LABELS, 3, 1, value, tmp_path / "labels.tsv")
    result = encode_labels(tmp_path, labels, expect=2)
    assert error_line(result) == (f"genotools-encode: error: {labels}: line 3: ap1_bound value {value!r} is not a "
                                  "finite number")
    assert outputs(out) == []


def test_a_bed_label_that_is_not_finite_is_refused(tmp_path, out):
    bed = replaced(BED, 4, 6, "-inf", tmp_path / "regions.bed")
    result = encode_regions(tmp_path, bed, expect=2)
    assert error_line(result) == f"genotools-encode: error: {bed}: line 4: activity value '-inf' is not a finite number"
    assert outputs(out) == []


def test_a_label_beyond_single_precision_is_refused_without_a_numpy_warning(tmp_path, out):
    labels = replaced(LABELS, 2, 3, "1e39", tmp_path / "labels.tsv")
    result = encode_labels(tmp_path, labels, expect=2)
    assert error_line(result) == (f"genotools-encode: error: {labels}: line 2: activity value '1e39' is beyond the "
                                  "range of single precision (±3.4e+38); rescale the values")
    assert outputs(out) == []


@pytest.mark.parametrize("value", ["nan", "NAN", "-nan", "NA", "."])
def test_nan_written_as_a_number_is_still_a_missing_label(tmp_path, out, value):
    labels = replaced(LABELS, 3, 1, value, tmp_path / "labels.tsv")
    result = encode_labels(tmp_path, labels)
    assert "Warning" not in result.stderr
    with h5py.File(out / "data.h5") as store:
        names, values = [name.decode() for name in store["names"][()]], store["labels"][()]
    missing = [(names[i], j) for i, j in zip(*np.nonzero(np.isnan(values)))]
    assert set(missing) == {("chr9:100-300", 0)}


def qc_matrix(tmp_path, matrix, *args, expect=2):
    return run_tool("qc", "--matrix", matrix, *args, "--report", tmp_path / "out" / "qc.html",
                    "--summary", tmp_path / "out" / "qc.json", "--quiet", expect=expect)


def test_qc_refuses_a_matrix_value_that_is_not_finite(tmp_path, out):
    matrix = replaced(TEST_DATA / "qc_matrix.tsv", 4, 5, "inf", tmp_path / "matrix.tsv")
    result = qc_matrix(tmp_path, matrix)
    assert error_line(result) == f"genotools-qc: error: {matrix}: line 4: S05 value 'inf' is not a finite number"
    assert outputs(out) == []


def scan(tmp_path, phenotypes, phenotype="status", covariates="age,sex", expect=2):
    return run_tool("associate", "scan", "--vcf", VCF, "--phenotypes", phenotypes, "--phenotype", phenotype,
                    "--covariates", covariates, "--folds", 2, "--epochs", 1, "--device", "cpu",
                    "--output-dir", tmp_path / "out" / "scan", expect=expect)


def test_associate_refuses_a_trait_that_is_not_finite(tmp_path, out):
    phenotypes = replaced(PHENOTYPES, 7, 2, "1e400", tmp_path / "phenotypes.tsv")
    result = scan(tmp_path, phenotypes, phenotype="biomarker")
    assert error_line(result) == (f"genotools-associate scan: error: {phenotypes}: line 7: biomarker value '1e400' "
                                  "is not a finite number")
    assert outputs(out) == []


def test_associate_scan_and_predict_refuse_a_covariate_that_is_not_finite(tmp_path, out):
    phenotypes = replaced(PHENOTYPES, 5, 3, "inf", tmp_path / "phenotypes.tsv")
    message = f"{phenotypes}: line 5: age value 'inf' is not a finite number"
    assert error_line(scan(tmp_path, phenotypes)) == f"genotools-associate scan: error: {message}"
    result = run_tool("associate", "predict", "--model", TEST_DATA / "associate.safetensors", "--vcf", VCF,
                      "--phenotypes", phenotypes, "--device", "cpu", "--output", out / "risk.tsv", expect=2)
    assert error_line(result) == f"genotools-associate predict: error: {message}"
    assert outputs(out) == []


DRUG_STUDY = ["--drugs", TEST_DATA / "drugs.tsv", "--device", "cpu"]


def test_drug_response_refuses_a_response_value_that_is_not_finite(tmp_path, out):
    response = replaced(TEST_DATA / "response.tsv", 3, 2, "inf", tmp_path / "response.tsv")
    result = run_tool("drug-response", "train", "--response", response, "--omics", TEST_DATA / "expression.tsv",
                      *DRUG_STUDY, "--output", out / "model.safetensors", expect=2)
    assert error_line(result) == (f"genotools-drug-response train: error: {response}: line 3: ln_ic50 value 'inf' "
                                  "is not a finite number")
    assert outputs(out) == []


def test_drug_response_predict_refuses_omics_that_are_not_finite(tmp_path, out):
    omics = replaced(TEST_DATA / "expression.tsv", 6, 3, "-Infinity", tmp_path / "expression.tsv")
    column = omics.read_text().split("\n", 1)[0].split("\t")[3]
    result = run_tool("drug-response", "predict", "--model", TEST_DATA / "drug_response.safetensors",
                      "--omics", omics, *DRUG_STUDY, "--output", out / "predictions.tsv", expect=2)
    assert error_line(result) == (f"genotools-drug-response predict: error: {omics}: line 6: {column} value "
                                  "'-Infinity' is not a finite number")
    assert outputs(out) == []


def test_gene_function_predict_refuses_expression_that_is_not_finite(tmp_path, out):
    expression = replaced(GENE_FUNCTION["expression.tsv"], 2, 1, "inf", tmp_path / "expression.tsv")
    result = run_tool("gene-function", "predict", "--model", TEST_DATA / "gene_function.safetensors",
                      "--expression", expression, "--sequences", GENE_FUNCTION["proteins.fa"],
                      "--network", GENE_FUNCTION["network.tsv"], "--device", "cpu", "--output", out / "predictions.tsv",
                      expect=2)
    assert error_line(result) == (f"genotools-gene-function predict: error: {expression}: line 2: sample_1 value "
                                  "'inf' is not a finite number")
    assert outputs(out) == []


# 2. a UTF-8 byte-order mark

def test_a_bed_starting_with_a_byte_order_mark_is_read_as_written(tmp_path, out):
    bed = tmp_path / "regions.bed"
    bed.write_bytes(b"\xef\xbb\xbf" + BED.read_bytes())
    encode_regions(tmp_path, bed)
    with h5py.File(out / "data.h5") as store:
        assert [name.decode() for name in store["task_names"][()]] == ["ap1_bound", "gata_ebox", "activity"]
        assert len(store["labels"]) in (810, 2 * 810) and not np.isnan(store["labels"][()]).any()


def test_a_gaf_starting_with_a_byte_order_mark_is_read_as_gaf(tmp_path, out):
    gaf = tmp_path / "annotations.gaf"
    gaf.write_bytes(b"\xef\xbb\xbf" + GENE_FUNCTION["annotations.gaf"].read_bytes())
    ontology = read_obo(GENE_FUNCTION["go.obo"])
    with_mark, without = (read_annotations(path, ontology, "BP") for path in (gaf, GENE_FUNCTION["annotations.gaf"]))
    assert with_mark.genes == without.genes and (with_mark.matrix != without.matrix).nnz == 0
    # through the tool: the annotations are read, and the expression (made bad) is what stops it
    expression = replaced(GENE_FUNCTION["expression.tsv"], 3, 2, "inf", tmp_path / "expression.tsv")
    result = run_tool("gene-function", "train", "--annotations", gaf, "--ontology", GENE_FUNCTION["go.obo"],
                      "--expression", expression, "--device", "cpu", "--output", out / "model.safetensors", expect=2)
    assert error_line(result) == (f"genotools-gene-function train: error: {expression}: line 3: sample_2 value "
                                  "'inf' is not a finite number")
    assert outputs(out) == []


# 3. task names given twice

def test_a_labels_header_naming_a_task_twice_is_refused(tmp_path, out):
    labels = replaced(LABELS, 1, 3, "ap1_bound", tmp_path / "labels.tsv")
    result = encode_labels(tmp_path, labels, expect=2)
    assert error_line(result) == f"genotools-encode: error: {labels}: line 1: task 'ap1_bound' is named twice"
    assert outputs(out) == []


def test_a_bed_header_naming_a_task_twice_is_refused(tmp_path, out):
    bed = replaced(BED, 1, 5, "ap1_bound", tmp_path / "regions.bed")
    result = encode_regions(tmp_path, bed, expect=2)
    assert error_line(result) == f"genotools-encode: error: {bed}: line 1: task 'ap1_bound' is named twice"
    assert outputs(out) == []


# 4. a task without labels

def bed_with_task(tmp_path, label):
    """regions_small.bed with one task, ap1_bound, labelled by `label(chrom, value)`."""
    lines = BED.read_text().splitlines()
    rows = [line.split("\t") for line in lines[1:]]
    bed = tmp_path / "regions.bed"
    bed.write_text("\n".join(["#chrom\tstart\tend\tname\tap1_bound",
                              *("\t".join([*row[:4], label(row[0], row[4])]) for row in rows)]) + "\n")
    return bed


def test_training_refuses_a_task_whose_labels_are_all_missing(tmp_path, out):
    encode_regions(tmp_path, bed_with_task(tmp_path, lambda chrom, value: "NA"))
    data = out / "data.h5"
    result = run_tool("train", "--data", data, "--epochs", 1, "--device", "cpu",
                      "--output", out / "model.safetensors", expect=2)
    assert error_line(result) == (f"genotools-train: error: {data}: task 'ap1_bound' has no labels (all missing); "
                                  "drop it or label it")
    assert outputs(out) == ["data.h5"]


def test_training_refuses_a_task_labelled_only_on_held_out_chromosomes(tmp_path, out):
    encode_regions(tmp_path, bed_with_task(tmp_path, lambda chrom, value: value if chrom == "chr8" else "NA"))
    result = run_tool("train", "--data", out / "data.h5", "--epochs", 1, "--device", "cpu",
                      "--output", out / "model.safetensors", expect=2)
    assert error_line(result).endswith(
        "task 'ap1_bound' has no labels on the training sequences (only on the validation or test ones); label it "
        "there, or choose other validation and test chromosomes")
    assert "Warning" not in result.stderr
    assert outputs(out) == ["data.h5"]


# 5. qc

def test_qc_refuses_a_batches_table_listing_a_sample_twice(tmp_path, out):
    batches = tmp_path / "samples.tsv"
    lines = (TEST_DATA / "qc_samples.tsv").read_text().splitlines()
    batches.write_text("\n".join([*lines, lines[3].replace("S03", "s-03")]) + "\n")
    result = qc_matrix(tmp_path, TEST_DATA / "qc_matrix.tsv", "--batches", batches, "--batch-column", "batch")
    assert error_line(result) == (f"genotools-qc: error: {batches}: line {len(lines) + 1}: sample 's-03' is listed "
                                  "again (as 'S03' on line 4); keep one row per sample")
    assert outputs(out) == []


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_qc_refuses_a_threshold_that_is_not_finite(tmp_path, out, value):
    result = qc_matrix(tmp_path, TEST_DATA / "qc_matrix.tsv", "--fail-on", f"missing_fraction={value}")
    assert error_line(result) == (f"genotools-qc: error: --fail-on 'missing_fraction={value}': the threshold "
                                  f"{value!r} is not a finite number; give one, e.g. missing_fraction=0.05")
    assert outputs(out) == []


@pytest.mark.parametrize("orientation, what", [("auto", "feature"), ("rows", "sample")])
def test_qc_names_a_repeated_matrix_row_as_the_orientation_decides_with_its_lines(tmp_path, out, orientation, what):
    matrix = tmp_path / "matrix.tsv"
    lines = (TEST_DATA / "qc_matrix.tsv").read_text().splitlines()
    matrix.write_text("\n".join([*lines, lines[2]]) + "\n")
    result = qc_matrix(tmp_path, matrix, "--orientation", orientation)
    assert error_line(result) == (f"genotools-qc: error: {matrix}: {what} 'gene02' appears twice (as 'gene02' and "
                                  f"'gene02'); keep one of lines 3 and {len(lines) + 1}")
    assert outputs(out) == []


def test_qc_names_a_repeated_matrix_column_by_its_columns(tmp_path, out):
    matrix = replaced(TEST_DATA / "qc_matrix.tsv", 1, 7, "s-05", tmp_path / "matrix.tsv")
    result = qc_matrix(tmp_path, matrix)
    assert error_line(result) == (f"genotools-qc: error: {matrix}: sample 's-05' appears twice (as 'S05' and "
                                  "'s-05'); keep one of columns 6 and 8 of line 1")
    assert outputs(out) == []


# 6. associate

def test_associate_refuses_a_phenotype_header_naming_a_column_twice(tmp_path, out):
    phenotypes = replaced(PHENOTYPES, 1, 5, "age", tmp_path / "phenotypes.tsv")
    result = scan(tmp_path, phenotypes)
    assert error_line(result) == f"genotools-associate scan: error: {phenotypes}: line 1: column 'age' is named twice"
    assert outputs(out) == []


def test_associate_refuses_the_phenotype_as_a_covariate(tmp_path, out):
    result = scan(tmp_path, PHENOTYPES, covariates="age,status")
    assert error_line(result) == "genotools-associate scan: error: --covariates: 'status' is the phenotype"
    assert outputs(out) == []


# 7. gene-function

def test_too_few_annotated_genes_to_hold_out_names_the_annotation_file(tmp_path, out):
    annotations = tmp_path / "annotations.tsv"
    annotations.write_text("GF-0\tGO:0990011\nGF_1\tGO:9999999\n")
    result = run_tool("gene-function", "train", "--annotations", annotations, "--ontology", GENE_FUNCTION["go.obo"],
                      "--expression", GENE_FUNCTION["expression.tsv"], "--device", "cpu", "--quiet",
                      "--output", out / "model.safetensors", expect=2)
    assert error_line(result) == (f"genotools-gene-function train: error: {annotations}: a test fraction of 0.2 of 1 "
                                  "annotated genes leaves no test or no training gene")
    assert outputs(out) == []


def test_gene_function_refuses_a_network_naming_genes_another_way(tmp_path, out):
    network = tmp_path / "network.tsv"
    network.write_text(GENE_FUNCTION["network.tsv"].read_text().replace("GF", "9606.ENSP"))
    result = run_tool("gene-function", "train", "--annotations", GENE_FUNCTION["annotations.gaf"], "--ontology",
                      GENE_FUNCTION["go.obo"], "--expression", GENE_FUNCTION["expression.tsv"], "--network", network,
                      "--device", "cpu", "--quiet", "--output", out / "model.safetensors", expect=2)
    assert error_line(result) == (
        f"genotools-gene-function train: error: {network}: none of its genes (e.g. 9606.ENSP-0, 9606.ENSP_221, "
        f"9606.ENSP_129) is annotated in {GENE_FUNCTION['annotations.gaf']} (e.g. GF-0, GF-1, GF-2); name the genes "
        "of both files the same way (e.g. all symbols, or all UniProt ids)")
    assert outputs(out) == []
