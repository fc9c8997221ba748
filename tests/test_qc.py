"""genotools-qc, through the real command line: every seeded defect of the bundled broken files is flagged with
the record at fault, the clean bundled files pass, --fail-on stops a pipeline, and bad input leaves nothing."""

import filecmp
import json
import re

import pytest
from helpers import TEST_DATA, error_line, run_tool

from genotools.qc.simulate import simulate_qc

BROKEN = {flag: TEST_DATA / f"qc_{name}" for flag, name in
          (("--reference", "genome.fa"), ("--regions", "regions.bed"), ("--vcf", "variants.vcf"),
           ("--matrix", "matrix.tsv"))}
BATCHES = ["--batches", TEST_DATA / "qc_samples.tsv", "--batch-column", "batch"]


def qc(tmp_path, files, *args, expect=0):
    """Run genotools-qc on `files` ({flag: path}); return its result and the summary it wrote (or None)."""
    options = [word for flag, path in files.items() for word in (flag, path)]
    outputs = ["--report", tmp_path / "qc.html", "--summary", tmp_path / "qc.json", "--multiqc",
               tmp_path / "qc_mqc.json"]
    result = run_tool("qc", *options, *args, *outputs, "--quiet", expect=expect)
    summary = tmp_path / "qc.json"
    return result, json.loads(summary.read_text()) if summary.exists() else None


def checks(summary):
    return {check["metric"]: check for section in summary["inputs"] for check in section["checks"]}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("broken")
    _, summary = qc(tmp_path, BROKEN, *BATCHES)
    return tmp_path, summary


@pytest.mark.parametrize("metric, at_fault", [
    ("contig_n_fraction", ["chr3"]),
    ("n_fraction", []),
    ("regions_past_contig_end", ["past_end (chr2:5900-6100), contig length 6,000"]),
    ("duplicate_regions", ["duplicate (chr1:0-200)"]),
    ("constant_label_tasks", ["unused"]),
    ("label_minority_fraction", ["unused"]),
    ("ref_mismatch_fraction", ["ref_mismatch (chr2:2068): REF T, reference C"]),
    ("contigs_not_in_reference", ["chrUn"]),
    ("genotype_missing_fraction", ["S4"]),
    ("missing_fraction", []),
    ("sample_missing_fraction", ["S05"]),
    ("feature_missing_fraction", ["gene07"]),
    ("constant_features", ["gene13"]),
    ("outlier_samples", ["S17"]),
    ("batch_pc_r2", ["PC2"]),
])
def test_each_seeded_defect_is_flagged_with_the_record_at_fault(broken, metric, at_fault):
    check = checks(broken[1])[metric]
    assert check["status"] == "warn", check
    assert check["records_at_fault"] == at_fault


def test_the_report_is_one_self_contained_page_that_names_the_defects(broken):
    tmp_path, summary = broken
    page = (tmp_path / "qc.html").read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing to fetch
    assert page.count('src="data:image/png;base64,') >= 6
    for record in ("past_end", "ref_mismatch", "chrUn", "gene13", "S17"):
        assert record in page
    assert summary["status"] == "warn" and summary["failed"] == []
    assert checks(summary)["regions_on_unknown_contigs"]["status"] == "pass"


def test_the_multiqc_file_is_custom_content_with_a_row_per_input(broken):
    content = json.loads((broken[0] / "qc_mqc.json").read_text())
    assert content["plot_type"] == "table" and content["id"] and content["section_name"]
    assert set(content["data"]) == {str(path) for path in BROKEN.values()}
    assert content["data"][str(BROKEN["--vcf"])]["contigs_not_in_reference"] == 1
    assert all(metric in content["headers"] for row in content["data"].values() for metric in row)


def test_the_clean_bundled_files_pass(tmp_path):
    files = {"--reference": TEST_DATA / "genome.fa", "--regions": TEST_DATA / "regions.bed",
             "--vcf": TEST_DATA / "variants.vcf", "--matrix": TEST_DATA / "expression.tsv"}
    _, summary = qc(tmp_path, files)
    statuses = {metric: check["status"] for metric, check in checks(summary).items()}
    assert set(statuses.values()) <= {"pass", "info"}, statuses
    assert statuses["ref_mismatch_fraction"] == statuses["outlier_samples"] == "pass"
    matrix = next(section for section in summary["inputs"] if section["kind"] == "matrix")
    assert len(matrix["tables"]["Samples"]["rows"]) == 99  # the cell lines (columns), not the 200 genes


def test_fail_on_exits_1_naming_the_failed_checks_and_still_writes_the_report(tmp_path):
    result, summary = qc(tmp_path, BROKEN, "--fail-on", "overlapping_regions=0", "--fail-on", "ti_tv=3",
                         "--fail-on", "missing_fraction=0.1", expect=1)
    line = error_line(result)
    assert "overlapping_regions" in line and "ti_tv" in line and "missing_fraction" not in line
    assert (tmp_path / "qc.html").stat().st_size > 10_000
    status = checks(summary)
    assert summary["status"] == "fail"
    assert status["overlapping_regions"]["records_at_fault"] == ["r1 (chr1:0-200)", "r2 (chr1:300-500)",
                                                                 "overlapping (chr1:150-350)"]
    assert status["ti_tv"]["status"] == "fail" and status["ti_tv"]["threshold"] == 3  # fails below, not above
    assert status["missing_fraction"]["status"] == "warn"  # 0.075: beyond the default 0.05, within the gate


@pytest.mark.parametrize("files, args, message", [
    ({"--regions": "bad.bed"}, [], "bad.bed: line 2: start and end must be integers"),
    ({"--matrix": "bad.tsv"}, [], "bad.tsv: line 3: b value 'high' is not a number"),
    ({"--vcf": "bad.bed"}, [], "bad.bed: cannot read as VCF or BCF"),
    ({"--matrix": "bad.tsv"}, ["--fail-on", "missing=0.1"], "--fail-on 'missing=0.1': unknown metric 'missing'"),
    ({"--vcf": "variants.vcf"}, ["--fail-on", "ref_mismatch_fraction=0"],
     "ref_mismatch_fraction needs --reference, which is not given"),
    ({"--matrix": "bad.tsv"}, ["--fail-on", "missing_fraction=some"], "write METRIC=THRESHOLD with a number"),
    ({"--matrix": "bad.tsv"}, ["--batches", TEST_DATA / "qc_samples.tsv"],
     "qc_samples.tsv: line 1: 3 columns; name the batch column with --batch-column (the columns are sample, batch, "
     "sex)"),
])
def test_bad_input_exits_2_with_one_line_and_no_outputs(tmp_path, files, args, message):
    (tmp_path / "bad.bed").write_text("#chrom\tstart\tend\nchr1\tten\t20\n")
    (tmp_path / "bad.tsv").write_text("sample\ta\tb\ns1\t1\t2\ns2\t3\thigh\n")
    (tmp_path / "variants.vcf").write_text((TEST_DATA / "variants.vcf").read_text())
    result, summary = qc(tmp_path, {flag: tmp_path / name for flag, name in files.items()}, *args, expect=2)
    assert message in error_line(result)
    assert summary is None and not (tmp_path / "qc.html").exists() and not (tmp_path / "qc_mqc.json").exists()


def test_the_bundled_broken_files_are_what_simulate_qc_makes(tmp_path):
    for path in simulate_qc(tmp_path, seed=1):
        assert filecmp.cmp(path, TEST_DATA / path.name, shallow=False), path.name
