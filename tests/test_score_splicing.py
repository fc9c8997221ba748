"""genotools-score-splicing, through its command line: SpliceAI's INFO field, header and scores, against SpliceAI
1.3.1's own scoring (spliceai/utils.py, get_delta_scores) transcribed here, its Keras models replaced by the numpy
forward pass of their files (tests/keras_spliceai.py), on SpliceAI-80nt with synthetic weights, on a genome made
here: SNVs and indels, genes on both strands, near gene and contig ends, with --mask and another --distance; every
record kept, VCF/BCF in and out, and bad input refused in one line. Where PyPI can be reached, SpliceAI-10k's own
weights score a few variants the same way."""

import gzip
import io
import json
import re
import subprocess
import zipfile

import h5py
import numpy as np
import pysam
import pytest
from helpers import TEST_DATA, error_line, run_tool
from keras_spliceai import keras_forward, write_variant

from genotools.sequence.splicing import Entry, delta_scores

SPLICE_MODEL = TEST_DATA / "spliceai80_synthetic.safetensors"  # SpliceAI-80nt, the Keras files of seeds 0 and 1
CONTEXT = 80
# spliceai 1.3.1's __main__.py, as it adds its header line.
SPLICEAI_HEADER = ('##INFO=<ID=SpliceAI,Number=.,Type=String,Description="SpliceAIv1.3.1 variant '
                   'annotation. These include delta scores (DS) and delta positions (DP) for '
                   'acceptor gain (AG), acceptor loss (AL), donor gain (DG), and donor loss (DL). '
                   'Format: ALLELE|SYMBOL|DS_AG|DS_AL|DS_DG|DS_DL|DP_AG|DP_AL|DP_DG|DP_DL">')
ENTRY = r"[ACGTNacgtn]+\|\w+\|(-?\d\.\d\d\|){4}(-?\d+\|){3}-?\d+|[ACGTNacgtn]+\|\w+(\|\.){8}"
LENGTHS = {"chrA": 3000, "chrB": 1200, "chrC": 2500}
# SpliceAI's gene table: #NAME CHROM STRAND TX_START TX_END EXON_START EXON_END, starts 0-based.
GENES = [
    ("GPLUS", "chrA", "+", 150, 2600, [150, 700, 1300, 2400], [400, 900, 1520, 2600]),
    ("GMINUS", "chrA", "-", 1000, 2900, [1000, 1480, 2800], [1200, 1700, 2900]),
    ("GB", "chrB", "-", 0, 1200, [0, 600], [300, 1200]),
]


def _genome():
    """Random contigs; chrA holds an IUPAC code (R, which SpliceAI reads as C) and a soft-masked stretch."""
    rng = np.random.default_rng(7)
    contigs = {name: "".join(rng.choice(list("ACGT"), length)) for name, length in LENGTHS.items()}
    a = contigs["chrA"]
    contigs["chrA"] = a[:1499] + "R" + a[1500:1600] + a[1600:1650].lower() + a[1650:]
    return contigs


GENOME = _genome()


def _at(chrom, pos, length=1):
    return GENOME[chrom][pos - 1:pos - 1 + length].upper()


def _other(base):
    return {"A": "C", "C": "G", "G": "T", "T": "A"}.get(base, "A")


# (chrom, pos, REF, ALTs): SNVs, deletions, insertions, multi-allelic records, MNVs, symbolic and '*' ALTs, no ALT,
# records outside genes, near contig ends, with a REF that differs from the reference, or REF longer than 2 x 20.
VARIANTS = [
    ("chrA", 60, _at("chrA", 60), [_other(_at("chrA", 60))]),  # outside genes
    ("chrA", 160, _at("chrA", 160), [_other(_at("chrA", 160))]),  # 10 bases into GPLUS: its window padded with N
    ("chrA", 401, _at("chrA", 401), [_other(_at("chrA", 401))]),  # an exon boundary
    ("chrA", 702, _at("chrA", 702, 3), [_at("chrA", 702)]),  # a deletion
    ("chrA", 905, _at("chrA", 905), [_at("chrA", 905) + "GTA"]),  # an insertion
    ("chrA", 1205, _at("chrA", 1205), [_other(_at("chrA", 1205)), _at("chrA", 1205) + "TT"]),  # both genes
    ("chrA", 1302, _at("chrA", 1302, 5), [_at("chrA", 1302), _at("chrA", 1302, 2)]),  # two deletions
    ("chrA", 1490, _at("chrA", 1490, 2), ["GA" if _at("chrA", 1490, 2) != "GA" else "TC"]),  # an MNV: '.'
    ("chrA", 1495, _at("chrA", 1495), [_other(_at("chrA", 1495))]),  # the R in its window
    ("chrA", 1510, _at("chrA", 1510), ["<DEL>"]),  # symbolic
    ("chrA", 1520, _at("chrA", 1520), ["*", _other(_at("chrA", 1520))]),
    ("chrA", 1620, _at("chrA", 1620), [_other(_at("chrA", 1620)).lower()]),  # soft-masked reference, lower-case ALT
    ("chrA", 1800, _at("chrA", 1800), []),  # no ALT
    ("chrA", 2000, _other(_at("chrA", 2000)), [_at("chrA", 2000)]),  # REF differs from the reference
    ("chrA", 2450, _at("chrA", 2450, 45), [_at("chrA", 2450)]),  # a deletion of 44 bases
    ("chrA", 2595, _at("chrA", 2595), [_other(_at("chrA", 2595))]),  # 5 bases before GPLUS ends
    ("chrA", 2890, _at("chrA", 2890, 2), [_at("chrA", 2890)]),  # near GMINUS's end
    ("chrA", 2950, _at("chrA", 2950), [_other(_at("chrA", 2950))]),  # past GMINUS's end: outside genes
    ("chrB", 75, _at("chrB", 75), [_other(_at("chrB", 75))]),  # near chrB's start with --distance 50, not 20
    ("chrB", 600, _at("chrB", 600), [_other(_at("chrB", 600))]),
    ("chrB", 650, _at("chrB", 650, 4), [_at("chrB", 650)]),
    ("chrB", 700, _at("chrB", 700), [_at("chrB", 700) + "CAGG"]),
    ("chrB", 1150, _at("chrB", 1150), [_other(_at("chrB", 1150))]),  # near chrB's end either way
    ("chrC", 1200, _at("chrC", 1200), [_other(_at("chrC", 1200))]),  # a contig without genes
]


def vcf_text(variants=VARIANTS, contigs=LENGTHS):
    lines = ["##fileformat=VCFv4.2", *(f"##contig=<ID={name},length={length}>" for name, length in contigs.items()),
             '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for number, (chrom, pos, ref, alts) in enumerate(variants, start=1):
        lines.append(f"{chrom}\t{pos}\tv{number}\t{ref}\t{','.join(alts) or '.'}\t50\tPASS\tDP={number}")
    return "\n".join(lines) + "\n"


def spliceai_table(genes=GENES):
    rows = ["#NAME\tCHROM\tSTRAND\tTX_START\tTX_END\tEXON_START\tEXON_END"]
    for name, chrom, strand, start, end, starts, ends in genes:
        rows.append(f"{name}\t{chrom}\t{strand}\t{start}\t{end}\t{''.join(f'{s},' for s in starts)}\t"
                    f"{''.join(f'{e},' for e in ends)}")
    return "\n".join(rows) + "\n"


def gtf(genes=GENES):
    lines = ["#!genome-build synthetic"]
    for name, chrom, strand, start, end, starts, ends in genes:
        ids = f'gene_id "{name}.1"; gene_name "{name}";'
        lines.append(f"{chrom}\ttest\tgene\t{start + 1}\t{end}\t.\t{strand}\t.\t{ids}")
        lines.append(f"{chrom}\ttest\ttranscript\t{start + 1}\t{end}\t.\t{strand}\t.\t{ids} "
                     f"transcript_id \"{name}.t\";")
        for exon_start, exon_end in zip(starts, ends):
            lines.append(f"{chrom}\ttest\texon\t{exon_start + 1}\t{exon_end}\t.\t{strand}\t.\t{ids} "
                         f"transcript_id \"{name}.t\";")
    return "\n".join(lines) + "\n"


def gff3(genes=GENES):
    lines = ["##gff-version 3"]
    for name, chrom, strand, start, end, starts, ends in genes:
        lines.append(f"{chrom}\ttest\tgene\t{start + 1}\t{end}\t.\t{strand}\t.\tID=gene:{name};Name={name}")
        lines.append(f"{chrom}\ttest\tmRNA\t{start + 1}\t{end}\t.\t{strand}\t.\tID=tx:{name};Parent=gene:{name}")
        for exon_start, exon_end in zip(starts, ends):
            lines.append(f"{chrom}\ttest\texon\t{exon_start + 1}\t{exon_end}\t.\t{strand}\t.\tParent=tx:{name}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """{name: path} of the genome, the gene table (also as GTF and GFF3) and the variants."""
    folder = tmp_path_factory.mktemp("splicing")
    paths = {"genome": folder / "genome.fa", "genes": folder / "genes.txt", "gtf": folder / "genes.gtf",
             "gff3": folder / "genes.gff3", "vcf": folder / "variants.vcf"}
    paths["genome"].write_text("".join(f">{name}\n{sequence}\n" for name, sequence in GENOME.items()))
    for key, text in (("genes", spliceai_table()), ("gtf", gtf()), ("gff3", gff3()), ("vcf", vcf_text())):
        paths[key].write_text(text)
    return paths


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    """The two Keras files that SPLICE_MODEL was imported from (test_import_model.py checks it is)."""
    folder = tmp_path_factory.mktemp("keras")
    for seed in (0, 1):
        write_variant(folder / f"spliceai80_{seed}.h5", CONTEXT, seed)
    return [folder / f"spliceai80_{seed}.h5" for seed in (0, 1)]


def score(inputs, output, *extra, genes=None, vcf=None, model=SPLICE_MODEL, expect=0):
    return run_tool("score-splicing", "--model", model, "--reference", inputs["genome"], "--genes",
                    genes or inputs["genes"], "--vcf", vcf or inputs["vcf"], "--output", output, "--device", "cpu",
                    *extra, expect=expect)


# SpliceAI 1.3.1's scoring, transcribed from spliceai/utils.py with its Keras models replaced by keras_forward.

def one_hot_encode(seq):
    """spliceai.utils.one_hot_encode (np.frombuffer for the np.fromstring that numpy 2 refuses)."""
    table = np.asarray([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    seq = seq.upper().replace("A", "\x01").replace("C", "\x02")
    seq = seq.replace("G", "\x03").replace("T", "\x04").replace("N", "\x00")
    return table[np.frombuffer(seq.encode("latin-1"), np.int8) % 5]


def spliceai_delta_scores(chrom, pos, ref, alts, models, dist_var, mask, genes=GENES, genome=GENOME,
                          context=CONTEXT):
    """spliceai.utils.get_delta_scores for a record: [(ALT, gene, (DS_AG, DS_AL, DS_DG, DS_DL) or None, (DP_AG,
    DP_AL, DP_DG, DP_DL) or None)], the scores unrounded. `models` are open Keras files."""
    cov = 2 * dist_var + 1
    wid = context + cov
    delta_scores = []
    idxs = [i for i, gene in enumerate(genes) if gene[1] == chrom and gene[3] + 1 <= pos <= gene[4]]
    if not alts or len(idxs) == 0:
        return delta_scores
    seq = genome[chrom][pos - wid // 2 - 1:pos + wid // 2]  # a negative start wraps round, as pyfaidx's does
    if seq[wid // 2:wid // 2 + len(ref)].upper() != ref:
        return delta_scores  # Skipping record (ref issue)
    if len(seq) != wid:
        return delta_scores  # Skipping record (near chromosome end)
    if len(ref) > 2 * dist_var:
        return delta_scores  # Skipping record (ref too long)
    for alt in alts:
        for i in idxs:
            name, _, strand, tx_start, tx_end, exon_starts, exon_ends = genes[i]
            if "." in alt or "-" in alt or "*" in alt or "<" in alt or ">" in alt:
                continue
            if len(ref) > 1 and len(alt) > 1:
                delta_scores.append((alt, name, None, None))
                continue
            boundaries = np.union1d(np.asarray(exon_starts) + 1, np.asarray(exon_ends))
            dist_ann = (tx_start + 1 - pos, tx_end - pos, min(boundaries - pos, key=abs))
            pad_size = [max(wid // 2 + dist_ann[0], 0), max(wid // 2 - dist_ann[1], 0)]
            ref_len, alt_len = len(ref), len(alt)
            del_len = max(ref_len - alt_len, 0)
            x_ref = "N" * pad_size[0] + seq[pad_size[0]:wid - pad_size[1]] + "N" * pad_size[1]
            x_alt = x_ref[:wid // 2] + str(alt) + x_ref[wid // 2 + ref_len:]
            x_ref, x_alt = one_hot_encode(x_ref)[None, :], one_hot_encode(x_alt)[None, :]
            if strand == "-":
                x_ref, x_alt = x_ref[:, ::-1, ::-1], x_alt[:, ::-1, ::-1]
            y_ref = np.mean([keras_forward(model, x_ref) for model in models], axis=0)
            y_alt = np.mean([keras_forward(model, x_alt) for model in models], axis=0)
            if strand == "-":
                y_ref, y_alt = y_ref[:, ::-1], y_alt[:, ::-1]
            if ref_len > 1 and alt_len == 1:
                y_alt = np.concatenate([y_alt[:, :cov // 2 + alt_len], np.zeros((1, del_len, 3)),
                                        y_alt[:, cov // 2 + alt_len:]], axis=1)
            elif ref_len == 1 and alt_len > 1:
                y_alt = np.concatenate([y_alt[:, :cov // 2], np.max(y_alt[:, cov // 2:cov // 2 + alt_len], axis=1)[
                    :, None, :], y_alt[:, cov // 2 + alt_len:]], axis=1)
            y = np.concatenate([y_ref, y_alt])
            idx_pa = (y[1, :, 1] - y[0, :, 1]).argmax()
            idx_na = (y[0, :, 1] - y[1, :, 1]).argmax()
            idx_pd = (y[1, :, 2] - y[0, :, 2]).argmax()
            idx_nd = (y[0, :, 2] - y[1, :, 2]).argmax()
            mask_pa = np.logical_and((idx_pa - cov // 2 == dist_ann[2]), mask)
            mask_na = np.logical_and((idx_na - cov // 2 != dist_ann[2]), mask)
            mask_pd = np.logical_and((idx_pd - cov // 2 == dist_ann[2]), mask)
            mask_nd = np.logical_and((idx_nd - cov // 2 != dist_ann[2]), mask)
            delta_scores.append((alt, name, ((y[1, idx_pa, 1] - y[0, idx_pa, 1]) * (1 - mask_pa),
                                             (y[0, idx_na, 1] - y[1, idx_na, 1]) * (1 - mask_na),
                                             (y[1, idx_pd, 2] - y[0, idx_pd, 2]) * (1 - mask_pd),
                                             (y[0, idx_nd, 2] - y[1, idx_nd, 2]) * (1 - mask_nd)),
                                 (idx_pa - cov // 2, idx_na - cov // 2, idx_pd - cov // 2, idx_nd - cov // 2)))
    return delta_scores


def read_tsv(path):
    lines = path.read_text().splitlines()
    return [dict(zip(lines[0].split("\t"), line.split("\t"))) for line in lines[1:]]


@pytest.fixture(scope="module")
def default_run(inputs, tmp_path_factory):
    """The variants scored with the defaults (--distance 50, no --mask): (VCF, TSV, summary, stderr)."""
    folder = tmp_path_factory.mktemp("default_run")
    result = score(inputs, folder / "scored.vcf", "--tsv", folder / "scores.tsv", "--summary", folder / "summary.json")
    return folder / "scored.vcf", folder / "scores.tsv", folder / "summary.json", result.stderr


@pytest.mark.parametrize("distance, mask", [(50, False), (20, True)], ids=["defaults", "distance-20-masked"])
def test_the_scores_are_spliceai_s_computed_from_the_numpy_forward_pass(distance, mask, inputs, keras_files,
                                                                      tmp_path):
    flags = ["--distance", distance] + (["--mask"] if mask else [])
    score(inputs, tmp_path / "scored.vcf", "--tsv", tmp_path / "scores.tsv", *flags)
    models = [h5py.File(path) for path in keras_files]
    per_variant = [(ref, spliceai_delta_scores(chrom, pos, ref, alts, models, distance, mask))
                   for chrom, pos, ref, alts in VARIANTS]
    expected = [entry for _, entries in per_variant for entry in entries]
    rows = read_tsv(tmp_path / "scores.tsv")
    assert [(row["alt"], row["gene"]) for row in rows] == [(alt, gene) for alt, gene, _, _ in expected]
    for row, (_, _, scores, positions) in zip(rows, expected):
        values = [row[key] for key in ("ds_ag", "ds_al", "ds_dg", "ds_dl", "dp_ag", "dp_al", "dp_dg", "dp_dl")]
        if scores is None:
            assert values == ["."] * 8
            continue
        np.testing.assert_allclose([float(value) for value in values[:4]], scores, rtol=0, atol=1e-5)
        assert [int(value) for value in values[4:]] == list(positions)
    # The VCF says the same, rounded as SpliceAI rounds (a value within 1e-5 of a rounding boundary may round the
    # other way).
    written = [entry for record in pysam.VariantFile(str(tmp_path / "scored.vcf"))
               for entry in record.info.get("SpliceAI", ())]
    assert len(written) == len(expected)
    for text, (alt, gene, scores, positions) in zip(written, expected):
        fields = text.split("|")
        assert fields[:2] == [alt, gene]
        if scores is None:
            assert fields[2:] == ["."] * 8
        else:
            np.testing.assert_allclose([float(value) for value in fields[2:6]], scores, rtol=0, atol=0.005 + 1e-5)
            assert fields[6:] == [str(position) for position in positions]
    # What the comparison covered: both strands, SNVs, deletions and insertions, '.' entries; with --mask, losses
    # away from the nearest exon boundary scored 0.
    scored = [(ref, alt, gene, scores) for ref, entries in per_variant for alt, gene, scores, _ in entries if scores]
    assert {gene for _, _, gene, _ in scored} == {"GPLUS", "GMINUS", "GB"}
    assert {_kind(ref, alt) for ref, alt, _, _ in scored} == {"snv", "deletion", "insertion"}
    assert any(scores is None for _, _, scores, _ in expected)
    if mask:
        assert sum(scores[1] == 0 for _, _, _, scores in scored) >= len(scored) // 2


def _kind(ref, alt):
    return "snv" if len(ref) == len(alt) == 1 else "deletion" if len(ref) > len(alt) else "insertion"


def test_the_header_line_and_the_entries_are_spliceai_s_to_the_byte(default_run, inputs):
    vcf, _, _, _ = default_run
    text = vcf.read_text()
    header = [line for line in text.splitlines() if line.startswith("##")]
    assert SPLICEAI_HEADER in header
    original = [line for line in inputs["vcf"].read_text().splitlines() if line.startswith("##")]
    assert [line for line in header if line in original] == original  # the input's header lines kept, in order
    entries = [entry for line in text.splitlines() if not line.startswith("#")
               for field in line.split("\t")[7].split(";") if field.startswith("SpliceAI=")
               for entry in field.removeprefix("SpliceAI=").split(",")]
    assert entries and all(re.fullmatch(ENTRY, entry) for entry in entries), entries


def test_every_record_is_kept_in_order_and_annotated_per_allele_and_gene(default_run, inputs):
    vcf, _, summary, stderr = default_run
    records = list(pysam.VariantFile(str(vcf)))
    assert [(r.chrom, r.pos, r.id, r.ref, list(r.alts or ())) for r in records] == \
        [(chrom, pos, f"v{n}", ref, alts) for n, (chrom, pos, ref, alts) in enumerate(VARIANTS, start=1)]
    assert [r.info["DP"] for r in records] == list(range(1, len(VARIANTS) + 1))  # other INFO fields kept
    annotations = {r.pos: [entry.split("|")[:2] for entry in r.info.get("SpliceAI", ())] for r in records}
    # A multi-allelic record: one entry per allele and gene, alleles first.
    assert annotations[1205] == [[VARIANTS[5][3][0], "GPLUS"], [VARIANTS[5][3][0], "GMINUS"],
                                 [VARIANTS[5][3][1], "GPLUS"], [VARIANTS[5][3][1], "GMINUS"]]
    assert annotations[1520] == [[VARIANTS[10][3][1], "GPLUS"], [VARIANTS[10][3][1], "GMINUS"]]  # '*' passed over
    # Outside genes, near a contig end, REF mismatch, symbolic ALT, no ALT: kept, unannotated.
    for pos in (60, 1200, 2950, 75, 1150, 2000, 1510, 1800):
        assert annotations[pos] == [], pos
    report = json.loads(summary.read_text())
    assert report["records"] == len(VARIANTS) and report["annotated_records"] == 16
    assert report["outcomes"] == {"scored": 24, "not_scored": 4, "skipped_allele": 2, "no_alt": 1,
                                  "outside_genes": 3, "ref_mismatch": 1, "near_contig_end": 2, "ref_too_long": 0}
    assert ("records: 24, 16 annotated; 24 scored, 4 not_scored, 2 skipped_allele, 1 no_alt, 3 outside_genes, "
            "1 ref_mismatch, 2 near_contig_end") in stderr
    assert "CC BY-NC 4.0: non-commercial use only" in stderr


def test_a_ref_longer_than_twice_the_distance_is_left_unannotated(inputs, tmp_path):
    score(inputs, tmp_path / "scored.vcf", "--distance", 20, "--summary", tmp_path / "summary.json")
    report = json.loads((tmp_path / "summary.json").read_text())
    assert report["outcomes"]["ref_too_long"] == 1  # the 45-base REF at chrA:2450
    assert report["outcomes"]["near_contig_end"] == 1  # chrB:1150; chrB:75 is far enough with --distance 20
    annotated = {r.pos for r in pysam.VariantFile(str(tmp_path / "scored.vcf")) if "SpliceAI" in r.info}
    assert 2450 not in annotated and 75 in annotated


@pytest.mark.parametrize("kind", ["gtf", "gtf-without-gene-lines", "gff3"])
def test_a_gtf_or_gff3_of_the_same_genes_gives_the_same_annotations(kind, default_run, inputs, tmp_path):
    if kind == "gtf-without-gene-lines":  # as UCSC's GTFs: genes span their transcripts
        (tmp_path / "genes.gtf").write_text("".join(line for line in gtf().splitlines(keepends=True)
                                                    if "\tgene\t" not in line))
    score(inputs, tmp_path / "scored.vcf", genes=inputs.get(kind, tmp_path / "genes.gtf"))
    ours = [line for line in (tmp_path / "scored.vcf").read_text().splitlines() if not line.startswith("##")]
    table = [line for line in default_run[0].read_text().splitlines() if not line.startswith("##")]
    assert ours == table


def test_a_gzipped_gene_table_reads_as_the_plain_one(default_run, inputs, tmp_path):
    with gzip.open(tmp_path / "genes.txt.gz", "wt") as handle:
        handle.write(spliceai_table())
    score(inputs, tmp_path / "scored.vcf", genes=tmp_path / "genes.txt.gz")
    assert (tmp_path / "scored.vcf").read_text() == default_run[0].read_text()


def _annotations(path):
    result = subprocess.run(["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t%INFO/SpliceAI\n", str(path)],
                            capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.parametrize("source, output, index", [("vcf.gz", "scored.vcf.gz", "scored.vcf.gz.tbi"),
                                                   ("bcf", "scored.bcf", "scored.bcf.csi")])
def test_bgzipped_vcf_and_bcf_in_and_out_indexed_and_read_by_bcftools(source, output, index, default_run, inputs,
                                                                     tmp_path):
    variants = tmp_path / f"variants.{source}"
    subprocess.run(["bcftools", "view", "-O", "z" if source == "vcf.gz" else "b", "-o", str(variants),
                    str(inputs["vcf"])], check=True)
    score(inputs, tmp_path / output, vcf=variants)
    assert (tmp_path / index).is_file()
    assert _annotations(tmp_path / output) == _annotations(default_run[0])
    region = subprocess.run(["bcftools", "view", "-H", "-r", "chrB", str(tmp_path / output)], capture_output=True,
                            text=True, check=True)
    assert len(region.stdout.splitlines()) == 5  # the index works


def test_scores_already_in_the_input_are_replaced(default_run, inputs, tmp_path):
    score(inputs, tmp_path / "again.vcf", vcf=default_run[0])
    text = (tmp_path / "again.vcf").read_text()
    assert text.count("##INFO=<ID=SpliceAI,") == 1
    assert _annotations(tmp_path / "again.vcf") == _annotations(default_run[0])


def test_windows_batched_in_any_number_give_the_same_scores(default_run, inputs, tmp_path):
    score(inputs, tmp_path / "scored.vcf", "--batch-size", 1, "--tsv", tmp_path / "scores.tsv")
    one_by_one, batched = read_tsv(tmp_path / "scores.tsv"), read_tsv(default_run[1])
    assert [row.keys() for row in one_by_one] == [row.keys() for row in batched]
    for alone, together in zip(one_by_one, batched):
        for key, value in alone.items():
            assert value == together[key] or float(value) == pytest.approx(float(together[key]), abs=2e-6), key


def test_masking_zeroes_gains_at_the_nearest_exon_boundary_and_losses_elsewhere():
    """delta_scores on made-up probabilities: an acceptor gained at the boundary, a donor lost away from it."""
    ref = np.full((11, 3), 0.1)
    alt = ref.copy()
    alt[7, 1] = 0.9  # acceptor gained 2 bases after the variant (position 5 of 11)
    alt[2, 2] = 0.0  # donor lost 3 bases before it
    unmasked = delta_scores(ref, alt, 1, 1, 2, mask=False)
    assert unmasked[1] == (2, -5, -5, -3)  # no change: the first position, as numpy's argmax takes it
    np.testing.assert_allclose(unmasked[0], (0.8, 0, 0, 0.1), atol=1e-12)
    masked = delta_scores(ref, alt, 1, 1, 2, mask=True)
    np.testing.assert_allclose(masked[0], (0, 0, 0, 0), atol=1e-12)
    assert delta_scores(ref, alt, 1, 1, -3, mask=True)[0][0] == pytest.approx(0.8)  # the gain is elsewhere
    # SpliceAI multiplies a masked value by 0: a negative one is written -0.00.
    assert Entry("A", "G", (-0.0, 0.0, 0.5, 0.004999), (0, 1, -2, 3)).text() == "A|G|-0.00|0.00|0.50|0.00|0|1|-2|3"
    assert Entry("AT", "G", None, None).text() == "AT|G|.|.|.|.|.|.|.|."


def _contig_not_in_fasta(inputs, folder):
    genes = folder / "genes.txt"
    genes.write_text(spliceai_table([*GENES, ("GZ", "chrZ", "+", 0, 5000, [0], [5000])]))
    vcf = folder / "variants.vcf"
    vcf.write_text(vcf_text([*VARIANTS[:3], ("chrZ", 100, "A", ["C"])], {**LENGTHS, "chrZ": 5000}))
    return ["--genes", genes, "--vcf", vcf]


def _ref_mismatch(inputs, folder):
    return ["--ref-mismatch", "error"]


def _file(name, text):
    def given(inputs, folder):
        (folder / name).write_text(text)
        return ["--genes", folder / name]
    return given


BAD = {
    "contig-not-in-fasta": (_contig_not_in_fasta, "variants.vcf: record 4 (chrZ:100): contig chrZ is not in the "
                            "reference ", "genome.fa, though the gene table has genes on it; give the reference genome "
                            "the variants were called on"),
    "ref-mismatch": (_ref_mismatch, "variants.vcf: record 14 (chrA:2000): REF ", "differs from the reference ("),
    "bed-as-genes": (lambda inputs, folder: ["--genes", TEST_DATA / "regions.bed"],
                     "regions.bed: line 2: not a line of a gene table, GTF or GFF3; give SpliceAI's gene table "
                     "(columns #NAME CHROM STRAND TX_START TX_END EXON_START EXON_END", "a GTF or a GFF3"),
    "table-lacking-columns": (_file("genes.txt", "#NAME\tCHROM\tSTRAND\nG\tchrA\t+\n"),
                              "genes.txt: line 1: the header lacks TX_START, TX_END, EXON_START, EXON_END", ""),
    "table-bad-number": (_file("genes.txt", spliceai_table().replace("\t150\t", "\t1e2\t", 1)),
                         "genes.txt: line 2: TX_START '1e2' is not a whole number", ""),
    "gtf-short-line": (_file("genes.gtf", gtf().replace("\t.\t+\t.\tgene_id", "\t+\t.\tgene_id", 2).replace(
        "\t+\t.\tgene_id", "\t.\t+\t.\tgene_id", 1)), "genes.gtf: line 3: 8 tab-separated columns where GTF and GFF3 "
                       "have 9", ""),
    "fasta-as-model": (lambda inputs, folder: ["--model", TEST_DATA / "genome.fa"],
                       "genome.fa: not a safetensors model file", ""),
    "sequence-model": (lambda inputs, folder: ["--model", TEST_DATA / "small.safetensors"],
                       "small.safetensors: a sequence model from genotools-train (score variants with it in "
                       "genotools-score-variants); give a splice model that genotools-import-model wrote", ""),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_line_naming_the_file_exit_2_and_no_output(case, inputs, tmp_path):
    given, *messages = BAD[case]
    folder = tmp_path / "in"
    folder.mkdir()
    arguments = dict(zip(*[iter(given(inputs, folder))] * 2))
    out = tmp_path / "out"
    out.mkdir()
    result = run_tool("score-splicing", "--model", arguments.pop("--model", SPLICE_MODEL), "--reference",
                      inputs["genome"], "--genes", arguments.pop("--genes", inputs["genes"]), "--vcf",
                      arguments.pop("--vcf", inputs["vcf"]), "--output", out / "scored.vcf.gz", "--tsv",
                      out / "scores.tsv", "--summary", out / "summary.json",
                      *[word for pair in arguments.items() for word in pair], expect=2)
    line = error_line(result)
    assert line.startswith("genotools-score-splicing: error: ")
    for message in messages:
        assert message in line
    assert list(out.iterdir()) == []


def test_spliceai_10k_scores_as_the_numpy_forward_pass_of_its_own_keras_files(imported, spliceai_wheel, tmp_path):
    """SpliceAI's published weights (downloaded from PyPI; skipped where it cannot be reached): a deletion in a + gene
    and a - gene that ends within the window, scored as SpliceAI scores them (SNVs are checked on the synthetic
    models: each window of SpliceAI-10k takes seconds on a CPU)."""
    rng = np.random.default_rng(3)
    genome = {"chr1": "".join(rng.choice(list("ACGT"), 12_000))}
    genes = [("PLUS", "chr1", "+", 100, 11_900, [100, 5990, 6100], [5950, 6050, 11_900]),
             ("MINUS", "chr1", "-", 5200, 9000, [5200, 8000], [6030, 9000])]
    variants = [("chr1", 6020, genome["chr1"][6019:6022], [genome["chr1"][6019]])]
    (tmp_path / "genome.fa").write_text(f">chr1\n{genome['chr1']}\n")
    (tmp_path / "genes.txt").write_text(spliceai_table(genes))
    (tmp_path / "variants.vcf").write_text(vcf_text(variants, {"chr1": 12_000}))
    run_tool("score-splicing", "--model", imported[0], "--reference", tmp_path / "genome.fa", "--genes",
             tmp_path / "genes.txt", "--vcf", tmp_path / "variants.vcf", "--output", tmp_path / "scored.vcf",
             "--tsv", tmp_path / "scores.tsv", "--device", "cpu")
    with zipfile.ZipFile(spliceai_wheel) as wheel:
        models = [h5py.File(io.BytesIO(wheel.read(f"spliceai/models/spliceai{n}.h5"))) for n in range(1, 6)]
        expected = [entry for chrom, pos, ref, alts in variants
                    for entry in spliceai_delta_scores(chrom, pos, ref, alts, models, 50, False, genes, genome,
                                                       10_000)]
    rows = read_tsv(tmp_path / "scores.tsv")
    assert [(row["alt"], row["gene"]) for row in rows] == [(alt, gene) for alt, gene, _, _ in expected]
    assert len(rows) == 2
    for row, (_, _, scores, positions) in zip(rows, expected):
        np.testing.assert_allclose([float(row[key]) for key in ("ds_ag", "ds_al", "ds_dg", "ds_dl")], scores,
                                   rtol=0, atol=1e-5)
        assert [int(row[key]) for key in ("dp_ag", "dp_al", "dp_dg", "dp_dl")] == list(positions)
