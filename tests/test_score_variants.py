import json
import subprocess

import numpy as np
import pysam
import pytest
from helpers import TEST_DATA, error_line, run_tool, script
from sklearn.metrics import roc_auc_score

MODEL = TEST_DATA / "small.safetensors"


def score(*args, expect=0):
    return run_tool("score-variants", "--model", MODEL, *args, expect=expect)


@pytest.fixture(scope="module")
def cases(test_data, tmp_path_factory):
    """A VCF with every allele and reference case, REFs taken from the genome so they match where meant to."""
    genome = pysam.FastaFile(str(test_data / "genome.fa"))

    def ref(chrom, pos, length=1):
        return genome.fetch(chrom, pos - 1, pos - 1 + length).upper()

    base = ref("chr2", 5000)
    other = next(b for b in "ACGT" if b != base)
    rows = [
        ("1", 2, "near_start", ref("chr1", 2), "A" if ref("chr1", 2) != "A" else "C"),  # 'chr'-less, in the N gap
        ("chr2", 5000, "snv", base, other),
        ("chr2", 5100, "mnv", ref("chr2", 5100, 3), "".join("A" if b != "A" else "C" for b in ref("chr2", 5100, 3))),
        ("chr2", 5200, "insertion", ref("chr2", 5200), ref("chr2", 5200) + "GATTACA"),
        ("chr2", 5300, "deletion", ref("chr2", 5300, 6), ref("chr2", 5300)),
        ("chr2", 5400, "multiallelic", ref("chr2", 5400, 2), f"{ref('chr2', 5400)},<DEL>,*"),
        ("chr2", 5500, "symbolic", ref("chr2", 5500), "<DUP>"),
        ("chr2", 5600, "missing", ref("chr2", 5600), "."),
        ("chr2", 5700, "mismatch", other if other != ref("chr2", 5700) else base, "G"),
        ("chr3", 89_995, "near_end", ref("chr3", 89_995), "T" if ref("chr3", 89_995) != "T" else "A"),
        ("chrUn", 100, "unknown_contig", "A", "C"),
    ]
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={c}>" for c in ("1", "chr2", "chr3", "chrUn")]
    lines += ['##INFO=<ID=NOTE,Number=1,Type=String,Description="kept as is">',
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines += [f"{c}\t{p}\t{i}\t{r}\t{a}\t50\tPASS\tNOTE=kept" for c, p, i, r, a in rows]
    path = tmp_path_factory.mktemp("cases") / "cases.vcf"
    path.write_text("\n".join(lines) + "\n")
    return path


def statuses(path):
    with pysam.VariantFile(str(path)) as vcf:
        return {r.id: list(r.info.get("GENOTOOLS_STATUS", ())) for r in vcf}


def test_every_allele_and_reference_case_gets_its_outcome(test_data, cases, tmp_path):
    out = tmp_path / "scored.vcf.gz"
    score("--reference", test_data / "genome.fa", "--vcf", cases, "--output", out, "--tsv", tmp_path / "s.tsv",
          "--summary", tmp_path / "summary.json", "--plot", tmp_path / "genome.png")
    assert (tmp_path / "genome.png").read_bytes().startswith(b"\x89PNG")
    assert statuses(out) == {
        "near_start": ["scored"], "snv": ["scored"], "mnv": ["scored"], "insertion": ["scored"],
        "deletion": ["scored"], "multiallelic": ["scored", "symbolic", "spanning_deletion"],
        "symbolic": ["symbolic"], "missing": [], "mismatch": ["ref_mismatch"], "near_end": ["scored"],
        "unknown_contig": ["unknown_contig"],
    }  # the record whose ALT is '.' has no allele to carry a Number=A value
    with pysam.VariantFile(str(out)) as vcf:
        assert vcf.header.info["GENOTOOLS_DIFF_ap1_bound"].number == "A"
        records = {r.id: r for r in vcf}
    multi = records["multiallelic"]
    assert len(multi.info["GENOTOOLS_DIFF_activity"]) == 3 and multi.info["GENOTOOLS_DIFF_activity"][1] is None
    assert all(r.info["NOTE"] == "kept" and r.qual == 50 for r in records.values())
    snv = records["snv"]
    assert snv.info["GENOTOOLS_DIFF_ap1_bound"][0] == pytest.approx(
        snv.info["GENOTOOLS_ALT_ap1_bound"][0] - snv.info["GENOTOOLS_REF_ap1_bound"][0], abs=1e-5)
    table = (tmp_path / "s.tsv").read_text().splitlines()
    assert len(table) == 1 + 13  # one row per ALT allele, and one for the record without any
    missing = next(row.split("\t") for row in table if "\tmissing\t" in row)
    assert missing[4:6] == [".", "missing_alt"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["outcomes"]["scored"] == 7 and summary["renamed_contigs"] == {"1": "chr1"}


def test_bcftools_reads_and_indexes_every_output_type(test_data, cases, tmp_path):
    for name in ("out.vcf", "out.vcf.gz", "out.bcf"):
        score("--reference", test_data / "genome.fa", "--vcf", cases, "--output", tmp_path / name)
        view = subprocess.run(["bcftools", "view", "-H", tmp_path / name], capture_output=True, text=True, check=True)
        assert len(view.stdout.splitlines()) == 11
    assert (tmp_path / "out.vcf.gz.tbi").exists() and (tmp_path / "out.bcf.csi").exists()
    region = subprocess.run(["bcftools", "view", "-H", "-r", "chr2:5000-5300", tmp_path / "out.bcf"],
                            capture_output=True, text=True, check=True)
    assert [line.split("\t")[2] for line in region.stdout.splitlines()] == ["snv", "mnv", "insertion", "deletion"]


def test_ref_mismatches_can_be_scored_or_stop_the_run(test_data, cases, tmp_path):
    score("--reference", test_data / "genome.fa", "--vcf", cases, "--output", tmp_path / "s.vcf",
          "--ref-mismatch", "score")
    assert statuses(tmp_path / "s.vcf")["mismatch"] == ["scored_ref_mismatch"]
    result = score("--reference", test_data / "genome.fa", "--vcf", cases, "--output", tmp_path / "e.vcf",
                   "--ref-mismatch", "error", expect=2)
    assert "chr2:5700: REF" in error_line(result) and "differs from the reference" in error_line(result)
    assert not (tmp_path / "e.vcf").exists()


def test_streams_from_stdin_to_stdout(test_data, cases):
    command = [script("genotools-score-variants"), "--model", str(MODEL), "--reference", str(test_data / "genome.fa"),
               "--vcf", "-", "--output", "-", "--quiet"]
    result = subprocess.run(command, stdin=open(cases), capture_output=True, text=True, check=True)
    body = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert len(body) == 11 and "GENOTOOLS_STATUS=scored" in body[1]


def test_a_vcf_without_scorable_records_still_gives_a_valid_vcf(test_data, tmp_path):
    (tmp_path / "none.vcf").write_text("##fileformat=VCFv4.2\n##contig=<ID=chrX>\n"
                                       "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                                       "chrX\t10\tsv1\tA\t<DEL>\t.\t.\t.\n")
    score("--reference", test_data / "genome.fa", "--vcf", tmp_path / "none.vcf", "--output", tmp_path / "o.vcf.gz")
    subprocess.run(["bcftools", "index", "--stats", tmp_path / "o.vcf.gz"], check=True, capture_output=True)
    assert statuses(tmp_path / "o.vcf.gz") == {"sv1": ["unknown_contig"]}


def test_planted_motif_variants_score_far_above_background(test_data, trained, tmp_path):
    run_tool("score-variants", "--model", trained, "--reference", test_data / "genome.fa", "--vcf",
             test_data / "variants.vcf", "--output", tmp_path / "v.vcf", "--tasks", "ap1_bound", "--scores", "diff")
    with pysam.VariantFile(str(tmp_path / "v.vcf")) as vcf:
        pairs = [(r.info["TRUE_DELTA_ap1_bound"], r.info["GENOTOOLS_DIFF_ap1_bound"][0]) for r in vcf]
    truth, diff = np.array(pairs).T
    assert roc_auc_score(truth != 0, np.abs(diff)) > 0.75  # a 4-epoch model; `make demo` reports the full one


@pytest.mark.parametrize("args, message", [
    (["--scores", "diff,zscore"], "--scores: choose among"),
    (["--tasks", "nope"], "--tasks: the model has no task nope"),
    (["--output-type", "x"], "--output-type 'x'"),
])
def test_bad_options_get_one_clear_line(test_data, tmp_path, args, message):
    result = score("--reference", test_data / "genome.fa", "--vcf", test_data / "variants.vcf",
                   "--output", tmp_path / "o.vcf", *args, expect=2)
    assert message in error_line(result)
    assert not (tmp_path / "o.vcf").exists()


def test_a_file_that_is_not_a_vcf_is_refused(test_data, tmp_path):
    result = score("--reference", test_data / "genome.fa", "--vcf", test_data / "regions.bed",
                   "--output", tmp_path / "o.vcf", expect=2)
    assert "cannot read as VCF or BCF" in error_line(result)
