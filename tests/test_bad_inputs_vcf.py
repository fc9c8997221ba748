"""Bad VCF records, through the real command lines of the tools that read them: names the header does not declare,
records htslib cannot parse, records an indexed output cannot hold, and REF mismatches. Each gets one line on
stderr that names the file and the record, exit code 2, and no output (nor any temporary file) left behind."""

import subprocess

import pysam
import pytest
from helpers import TEST_DATA, error_line, run_tool

GENOME = TEST_DATA / "genome.fa"
HEADER = [line for line in (TEST_DATA / "variants.vcf").read_text().splitlines() if line.startswith("#")]
RECORDS = [line for line in (TEST_DATA / "variants.vcf").read_text().splitlines() if not line.startswith("#")][:5]
# chr1 1076, 3336, 7861, 13142, 14444; REF T at chr1:3336


def score_variants(vcf, *extra, expect=0):
    return run_tool("score-variants", "--model", TEST_DATA / "small.safetensors", "--reference", GENOME,
                    "--vcf", vcf, *extra, expect=expect)


def interpret(vcf, out, expect=0):
    return run_tool("interpret", "--model", TEST_DATA / "small.safetensors", "--reference", GENOME, "--task",
                    "gata_ebox", "--vcf", vcf, "--output", out / "attributions.tsv", "--bedgraph",
                    out / "attributions.bedgraph", expect=expect)


def every_output(out):
    """score-variants arguments writing each of its outputs into the folder `out`."""
    return ["--output", out / "scored.vcf.gz", "--tsv", out / "scores.tsv", "--summary", out / "summary.json",
            "--plot", out / "genome.png"]


def vcf_file(folder, name, header=HEADER, records=RECORDS):
    path = folder / name
    path.write_text("\n".join([*header, *records]) + "\n")
    return path


def edited(record, **fields):
    """`record` (a VCF line) with the named columns replaced."""
    columns = record.split("\t")
    names = ["chrom", "pos", "id", "ref", "alt", "qual", "filter", "info"]
    return "\t".join(str(fields.get(name, value)) for name, value in zip(names, columns))


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def left(folder):
    return sorted(path.name for path in folder.iterdir())  # hidden temporary files included


# Names the header does not declare: htslib declares them on the fly while reading, but a record so marked cannot be
# written to another file (bcf_translate ends the process: the tool used to exit 1 without a word), and the output's
# header, written before the record is read, would lack them. So score-variants refuses them, and interpret, which
# reads VCFs as score-variants does, too.

UNDECLARED = {
    "no_contig_lines": (lambda: ([line for line in HEADER if not line.startswith("##contig")], RECORDS),
                        "record 1 (chr1:1076): contig chr1 is not declared in the header; add ##contig lines "
                        "(bcftools reheader --fai, or bcftools annotate --header-lines)"),
    "undeclared_contig": (lambda: (HEADER, [RECORDS[0], edited(RECORDS[1], chrom="chrZ"), *RECORDS[2:]]),
                          "record 2 (chrZ:3336): contig chrZ is not declared in the header; add ##contig lines "
                          "(bcftools reheader --fai, or bcftools annotate --header-lines)"),
    "undeclared_info": (lambda: (HEADER, [RECORDS[0], edited(RECORDS[1], info="FOO=1"), *RECORDS[2:]]),
                        "record 2 (chr1:3336): INFO field FOO is not declared in the header; add a ##INFO line for "
                        "it (bcftools annotate --header-lines)"),
    "undeclared_filter": (lambda: (HEADER, [*RECORDS[:2], edited(RECORDS[2], filter="LowQual"), *RECORDS[3:]]),
                          "record 3 (chr1:7861): FILTER LowQual is not declared in the header; add a ##FILTER line "
                          "for it (bcftools annotate --header-lines)"),
}


@pytest.mark.parametrize("case", UNDECLARED)
def test_score_variants_refuses_a_record_whose_names_the_header_does_not_declare(case, tmp_path, out):
    make, message = UNDECLARED[case]
    vcf = vcf_file(tmp_path, f"{case}.vcf", *make())
    result = score_variants(vcf, *every_output(out), expect=2)
    assert error_line(result) == f"genotools-score-variants: error: {vcf}: {message}"
    assert left(out) == []
    result = score_variants(vcf, "--output", out / "scored.vcf", expect=2)  # plain VCF out: the same
    assert error_line(result) == f"genotools-score-variants: error: {vcf}: {message}"
    assert left(out) == []


@pytest.mark.parametrize("case", UNDECLARED)
def test_interpret_refuses_the_same_records_as_score_variants(case, tmp_path, out):
    make, message = UNDECLARED[case]
    vcf = vcf_file(tmp_path, f"{case}.vcf", *make())
    result = interpret(vcf, out, expect=2)
    assert error_line(result) == f"genotools-interpret: error: {vcf}: {message}"
    assert left(out) == []


def test_the_command_the_contig_message_gives_makes_the_file_work(tmp_path, out):
    make, _ = UNDECLARED["no_contig_lines"]
    vcf = vcf_file(tmp_path, "no_contigs.vcf", *make())
    fixed = tmp_path / "fixed.vcf"
    subprocess.run(["bcftools", "reheader", "--fai", f"{GENOME}.fai", "-o", fixed, vcf], check=True)
    score_variants(fixed, "--output", out / "scored.vcf.gz")
    view = subprocess.run(["bcftools", "view", "-H", out / "scored.vcf.gz"], capture_output=True, text=True,
                          check=True)
    assert len(view.stdout.splitlines()) == 5 and "GENOTOOLS_STATUS=scored" in view.stdout


def test_qc_still_reads_records_on_undeclared_contigs(tmp_path, out):
    make, _ = UNDECLARED["undeclared_contig"]
    vcf = vcf_file(tmp_path, "chrz.vcf", *make())
    run_tool("qc", "--vcf", vcf, "--summary", out / "qc.json", "--report", out / "qc.html", "--quiet")
    assert left(out) == ["qc.html", "qc.json"]


# Records htslib cannot parse: every tool that reads VCF names the file and the record, as genotools-qc did.

UNREADABLE = {
    "pos_not_a_number": (lambda: edited(RECORDS[1], pos="abc"), "truncated file"),
    "three_columns": (lambda: "\t".join(RECORDS[1].split("\t")[:3]), "truncated file"),
    "space_separated": (lambda: RECORDS[1].replace("\t", " "), "unable to parse next record"),
}
READERS = {
    "score-variants": lambda vcf, out: score_variants(vcf, *every_output(out), expect=2),
    "interpret": lambda vcf, out: interpret(vcf, out, expect=2),
    "qc": lambda vcf, out: run_tool("qc", "--vcf", vcf, "--summary", out / "qc.json", "--report", out / "qc.html",
                                    "--quiet", expect=2),
}


@pytest.mark.parametrize("tool", READERS)
@pytest.mark.parametrize("case", UNREADABLE)
def test_a_record_htslib_cannot_parse_is_named_by_every_tool_that_reads_vcf(tool, case, tmp_path, out):
    make, reason = UNREADABLE[case]
    vcf = vcf_file(tmp_path, f"{case}.vcf", records=[RECORDS[0], make(), *RECORDS[2:]])
    result = READERS[tool](vcf, out)
    assert error_line(result) == (f"genotools-{tool}: error: {vcf}: record 2: cannot read it ({reason}); check the "
                                  "file with bcftools view")
    assert left(out) == []


# Records an indexed output (.vcf.gz with .tbi, .bcf with .csi) cannot hold: refused as they are read, so that
# bcftools index never fails on the finished output, and nothing is left.

@pytest.mark.parametrize("output", ["scored.vcf.gz", "scored.bcf"])
def test_unsorted_records_are_refused_for_an_indexed_output_and_nothing_is_left(output, tmp_path, out):
    vcf = vcf_file(tmp_path, "unsorted.vcf", records=[*RECORDS[:3], RECORDS[4], RECORDS[3]])
    result = score_variants(vcf, *every_output(out)[2:], "--output", out / output, expect=2)
    assert error_line(result) == (f"genotools-score-variants: error: {vcf}: record 5 (chr1:13142) comes after "
                                  "chr1:14444: the records are not sorted; sort them with bcftools sort")
    assert left(out) == []
    score_variants(vcf, "--output", out / "scored.vcf")  # plain VCF needs no order
    assert left(out) == ["scored.vcf"]


def test_a_contig_that_comes_back_after_another_is_refused_for_an_indexed_output(tmp_path, out):
    vcf = vcf_file(tmp_path, "interleaved.vcf",
                   records=[*RECORDS[:2], edited(RECORDS[2], chrom="chr2", pos=100), *RECORDS[3:]])
    result = score_variants(vcf, *every_output(out), expect=2)
    assert error_line(result) == (f"genotools-score-variants: error: {vcf}: record 4 (chr1:13142) comes after "
                                  "chr2:100, yet chr1 came before chr2: the records are not sorted; sort them with "
                                  "bcftools sort")
    assert left(out) == []


@pytest.mark.parametrize("pos, message", [
    (0, "POS 0 is before the first base of chr1 (POS counts from 1), which an index cannot hold; correct or remove "
        "the record"),
    (600_000_000, "POS is past the end of chr1 (90,000 bp in its ##contig line); correct the record, or the "
                  "contig's length"),
])
def test_positions_an_index_cannot_hold_are_refused(pos, message, tmp_path, out):
    vcf = vcf_file(tmp_path, "positions.vcf", records=[*RECORDS[:4], edited(RECORDS[4], pos=pos)])
    result = score_variants(vcf, *every_output(out), expect=2)
    assert error_line(result) == f"genotools-score-variants: error: {vcf}: record 5 (chr1:{pos}): {message}"
    assert left(out) == []


def test_an_index_that_fails_anyway_leaves_no_output(tmp_path, out, monkeypatch):
    def failing(*args):
        raise pysam.SamtoolsError("bcftools returned with error -1: index: failed to create index")

    monkeypatch.setattr(pysam.bcftools, "index", failing)  # the tool runs in this process
    result = score_variants(TEST_DATA / "variants.vcf", *every_output(out), expect=1)
    assert "failed to create index" in error_line(result)
    assert left(out) == []  # the table, summary and plot were complete, yet are gone with the VCF


def test_a_ref_mismatch_error_names_the_file(tmp_path, out):
    vcf = vcf_file(tmp_path, "mismatch.vcf", records=[RECORDS[0], edited(RECORDS[1], ref="N"), *RECORDS[2:]])
    result = score_variants(vcf, *every_output(out), "--ref-mismatch", "error", expect=2)
    assert error_line(result) == (f"genotools-score-variants: error: {vcf}: chr1:3336: REF N differs from the "
                                  "reference (T); check the genome build, or use --ref-mismatch skip or score")
    assert left(out) == []


# A cohort's genotypes (genotools-associate).

COHORT = [line.rstrip("\n") for line in pysam.BGZFile(str(TEST_DATA / "cohort.vcf.gz")) for line in [line.decode()]]


def scan(vcf, out):
    return run_tool("associate", "scan", "--phenotypes", TEST_DATA / "cohort_phenotypes.tsv", "--phenotype",
                    "status", "--vcf", vcf, "--output-dir", out / "scan", "--quiet", expect=2)


def test_a_sample_named_twice_is_named(tmp_path, out):
    lines = [line.replace("\tS0002\t", "\tS0001\t") if line.startswith("#CHROM") else line for line in COHORT]
    vcf = tmp_path / "twice.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    assert error_line(scan(vcf, out)) == (f"genotools-associate scan: error: {vcf}: sample S0001 appears twice in "
                                          "the #CHROM line; rename one (bcftools reheader --samples)")
    assert left(out) == []


def test_a_call_of_an_allele_the_record_lacks_is_refused(tmp_path, out):
    header = [line for line in COHORT if line.startswith("#")]
    records = [line for line in COHORT if not line.startswith("#")]
    columns = records[2].split("\t")
    records[2] = "\t".join([*columns[:9], "0/2", *columns[10:]])
    vcf = tmp_path / "allele2.vcf"
    vcf.write_text("\n".join(header + records) + "\n")
    assert error_line(scan(vcf, out)) == (
        f"genotools-associate scan: error: {vcf}: record 3 ({columns[0]}:{columns[1]}): GT '0/2' of sample S0001 "
        "names an allele that the record, with one ALT allele, lacks; correct the record")
    assert left(out) == []
