import re

import numpy as np
import pandas as pd
import pysam
import pytest
import torch
from helpers import TEST_DATA, error_line, run_tool

from genotools.io.fasta import read_sequences
from genotools.sequence.encoding import one_hot
from genotools.sequence.interpret import BASELINE, explained_output
from genotools.sequence.model_file import load_sequence_model
from genotools.sequence.motifs import read_motifs

METHODS = ["ism", "gradient-input", "integrated-gradients"]
AP1 = re.compile("TGA[CG]TCA")


def interpret(model, *args, expect=0):
    return run_tool("interpret", "--model", model, "--device", "cpu", *args, expect=expect)


@pytest.fixture(scope="module")
def ap1_fasta(tmp_path_factory):
    """Bundled sequences that hold exactly one AP-1 site."""
    chosen = [(name, seq) for name, seq in read_sequences(TEST_DATA / "sequences.fa")
              if len(AP1.findall(seq.upper())) == 1][:6]
    path = tmp_path_factory.mktemp("ap1") / "ap1.fa"
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in chosen))
    return path


@pytest.mark.parametrize("method", METHODS)
def test_attributions_point_at_the_planted_motif(trained, ap1_fasta, tmp_path, method):
    out = tmp_path / "attributions.tsv"
    interpret(trained, "--fasta", ap1_fasta, "--task", "ap1_bound", "--method", method, "--output", out)
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns) == ["name", "allele", "chrom", "position", "offset", "base", "attribution",
                                   "A", "C", "G", "T"]
    for name, rows in table.groupby("name", sort=False):
        attributions = rows["attribution"].to_numpy()
        site = AP1.search("".join(rows["base"])).start()
        strongest = max(range(len(attributions) - 6), key=lambda i: attributions[i : i + 7].sum())
        assert abs(strongest - site) < 7, f"{name}: strongest 7-mer at {strongest}, AP-1 site at {site}"


def test_ism_values_are_the_change_genotools_predict_sees(trained, ap1_fasta, tmp_path):
    out = tmp_path / "ism.tsv"
    interpret(trained, "--fasta", ap1_fasta, "--task", "ap1_bound", "--output", out)
    row = pd.read_csv(out, sep="\t").query("offset == 100").iloc[0]
    sequence = dict(read_sequences(ap1_fasta))[row["name"]]
    substitute = next(b for b in "ACGT" if b != row["base"])
    pair = tmp_path / "pair.fa"
    pair.write_text(f">original\n{sequence}\n>mutant\n{sequence[:99]}{substitute}{sequence[100:]}\n")
    run_tool("predict", "--model", trained, "--fasta", pair, "--output", tmp_path / "p.tsv", "--device", "cpu")
    probability = pd.read_csv(tmp_path / "p.tsv", sep="\t")["ap1_bound"].to_numpy()
    logit = np.log(probability / (1 - probability))
    assert row[substitute] == pytest.approx(logit[1] - logit[0], abs=1e-3)
    assert row[row["base"]] == 0


def test_integrated_gradients_add_up_to_the_output_change_from_the_baseline(trained, ap1_fasta, tmp_path):
    out = tmp_path / "ig.tsv"
    interpret(trained, "--fasta", ap1_fasta, "--task", "activity", "--method", "integrated-gradients",
              "--steps", 100, "--output", out)
    totals = pd.read_csv(out, sep="\t").groupby("name", sort=False)["attribution"].sum()
    model, metadata = load_sequence_model(trained)
    sequences = dict(read_sequences(ap1_fasta))
    inputs = torch.tensor(np.stack([one_hot(sequences[name].upper()) for name in totals.index]), dtype=torch.float32)
    with torch.no_grad():
        change = (explained_output(model, metadata, "activity", inputs, "fp32", True)
                  - explained_output(model, metadata, "activity", torch.full_like(inputs, BASELINE), "fp32", True))
    np.testing.assert_allclose(totals.to_numpy(), change.numpy(), atol=0.01 * np.abs(change.numpy()).max())


def test_fasta_records_are_their_own_contigs(tmp_path):
    fasta = tmp_path / "short.fa"
    fasta.write_text(">short\n" + "ACGT" * 25 + "\n")  # 100 bp, N-padded by 50 on each side to the model's 200
    out, bedgraph = tmp_path / "a.tsv", tmp_path / "a.bedgraph"
    interpret(TEST_DATA / "small.safetensors", "--fasta", fasta, "--task", "activity", "--method", "gradient-input",
              "--output", out, "--bedgraph", bedgraph)
    table = pd.read_csv(out, sep="\t", keep_default_na=False)
    assert set(table["chrom"]) == {"short"} and "".join(table["base"]) == "N" * 50 + "ACGT" * 25 + "N" * 50
    assert table["position"].tolist() == ["."] * 50 + [str(i) for i in range(1, 101)] + ["."] * 50
    lines = pd.read_csv(bedgraph, sep="\t", header=None)
    assert lines[1].tolist() == list(range(100)) and set(lines[0]) == {"short"}


def test_regions_give_genome_coordinates_bedgraph_and_logos(test_data, tmp_path):
    regions = tmp_path / "regions.bed"
    regions.write_text("chr1\t1000\t1200\tfirst\nchr1\t1100\t1300\tsecond\nchr2\t0\t50\tat_start\n")
    out, bedgraph, logos = tmp_path / "a.tsv", tmp_path / "a.bedgraph", tmp_path / "logos"
    result = interpret(TEST_DATA / "small.safetensors", "--reference", test_data / "genome.fa", "--regions", regions,
                       "--task", "activity", "--method", "gradient-input", "--output", out, "--bedgraph", bedgraph,
                       "--logos", logos, "--max-logos", 2)
    assert "interpreted 3 sequence(s)" in result.stderr
    table = pd.read_csv(out, sep="\t", keep_default_na=False)
    first = table[table["name"] == "first"]
    assert first["position"].astype(int).tolist() == list(range(1001, 1201))
    genome = pysam.FastaFile(str(test_data / "genome.fa"))
    assert "".join(first["base"]) == genome.fetch("chr1", 1000, 1200).upper()
    at_start = table[table["name"] == "at_start"]  # a 200 bp window centred on chr2:0-50 starts 75 bp off the contig
    assert (at_start["position"].iloc[:75] == ".").all() and at_start["position"].iloc[75] == "1"

    lines = pd.read_csv(bedgraph, sep="\t", header=None, names=["chrom", "start", "end", "value"])
    assert (lines["end"] - lines["start"] == 1).all()
    assert lines[["chrom", "start"]].duplicated().sum() == 0
    assert lines["chrom"].tolist() == sorted(lines["chrom"])
    assert lines.groupby("chrom")["start"].is_monotonic_increasing.all()
    assert len(lines[lines["chrom"] == "chr1"]) == 300  # 1000-1300: the overlap of the two windows counted once
    shared = lines[(lines["chrom"] == "chr1") & (lines["start"] == 1150)]["value"].item()
    both = table[(table["chrom"] == "chr1") & (table["position"] == "1151")]["attribution"]
    assert len(both) == 2 and shared == pytest.approx(both.mean(), abs=1e-5)

    assert sorted(p.name for p in logos.iterdir()) == ["0001_first.png", "0002_second.png"]
    assert (logos / "0001_first.png").read_bytes().startswith(b"\x89PNG")


def test_variants_give_ref_and_alt_windows(test_data, tmp_path):
    genome = pysam.FastaFile(str(test_data / "genome.fa"))
    snv_ref, ins_ref = genome.fetch("chr2", 4999, 5000).upper(), genome.fetch("chr2", 5199, 5200).upper()
    snv_alt = next(b for b in "ACGT" if b != snv_ref)
    vcf = tmp_path / "variants.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr2>\n##contig=<ID=chrUn>\n"
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"chr2\t5000\tsnv\t{snv_ref}\t{snv_alt},<DEL>\t.\t.\t.\n"
                   f"chr2\t5200\tins\t{ins_ref}\t{ins_ref}GAT\t.\t.\t.\n"
                   "chrUn\t10\tunknown\tA\tC\t.\t.\t.\n")
    out, bedgraph, logos = tmp_path / "v.tsv", tmp_path / "v.bedgraph", tmp_path / "logos"
    result = interpret(TEST_DATA / "small.safetensors", "--reference", test_data / "genome.fa", "--vcf", vcf,
                       "--task", "ap1_bound", "--output", out, "--bedgraph", bedgraph, "--logos", logos)
    assert "interpreted 2 variant(s)" in result.stderr
    assert "1 symbolic" in result.stderr and "1 unknown_contig" in result.stderr
    table = pd.read_csv(out, sep="\t", keep_default_na=False)
    snv = table[table["name"] == f"chr2:5000:{snv_ref}>{snv_alt}"]
    assert snv.groupby("allele").size().to_dict() == {"alt": 200, "ref": 200}
    centre = snv[snv["offset"] == 101].set_index("allele")
    assert centre.loc["ref", "base"] == snv_ref and centre.loc["alt", "base"] == snv_alt
    assert centre.loc["ref", "position"] == centre.loc["alt", "position"] == "5000"
    insertion = table[(table["name"] == f"chr2:5200:{ins_ref}>{ins_ref}GAT") & (table["allele"] == "alt")]
    assert insertion["position"].iloc[100:104].tolist() == ["5200", ".", ".", "."]
    assert insertion["position"].iloc[104] == "5201"
    assert set(pd.read_csv(bedgraph, sep="\t", header=None)[0]) == {"chr2"}
    assert sorted(p.name for p in logos.iterdir()) == [f"0001_chr2_5000_{snv_ref}_{snv_alt}.png",
                                                        f"0002_chr2_5200_{ins_ref}_{ins_ref}GAT.png"]


def test_a_vcf_with_nothing_to_interpret_gives_empty_outputs(test_data, tmp_path):
    vcf = tmp_path / "none.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr2>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "chr2\t100\tsv\tA\t<DUP>\t.\t.\t.\n")
    out, bedgraph = tmp_path / "none.tsv", tmp_path / "none.bedgraph"
    interpret(TEST_DATA / "small.safetensors", "--reference", test_data / "genome.fa", "--vcf", vcf,
              "--task", "activity", "--output", out, "--bedgraph", bedgraph)
    assert out.read_text().splitlines() == ["\t".join(["name", "allele", "chrom", "position", "offset", "base",
                                                       "attribution", "A", "C", "G", "T"])]
    assert bedgraph.read_text() == ""


@pytest.mark.parametrize("args, message", [
    (["--fasta", "sequences.fa"], "choose one with --task (ap1_bound, gata_ebox, activity)"),
    (["--fasta", "sequences.fa", "--task", "nope"], "--task 'nope' is not a task of the model"),
    (["--fasta", "sequences.fa", "--task", "activity", "--method", "saliency"], "--method 'saliency': choose"),
    (["--reference", "genome.fa", "--task", "activity"], "give exactly one input"),
    (["--fasta", "sequences.fa", "--regions", "regions_small.bed", "--task", "activity"], "give exactly one input"),
    (["--fasta", "genome.fa.fai", "--task", "activity"], "not a FASTA file"),
])
def test_bad_input_is_one_error_line_and_no_output(test_data, tmp_path, args, message):
    out = tmp_path / "out.tsv"
    result = interpret(TEST_DATA / "small.safetensors", *[test_data / a if a.endswith((".fa", ".bed", ".fai")) else a
                                                          for a in args], "--output", out, expect=2)
    assert message in error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_logo_folder_with_files_is_never_overwritten(test_data, tmp_path):
    logos = tmp_path / "logos"
    logos.mkdir()
    (logos / "mine.png").write_text("keep")
    result = interpret(TEST_DATA / "small.safetensors", "--fasta", test_data / "sequences.fa", "--task", "activity",
                       "--output", tmp_path / "out.tsv", "--logos", logos, expect=2)
    assert "exists and is not an empty folder" in error_line(result)
    assert [p.name for p in tmp_path.iterdir()] == ["logos"] and (logos / "mine.png").read_text() == "keep"


MATCH_COLUMNS = ["filter", "sites", "information_content", "influence", "match_id", "match_name", "correlation",
                 "strand", "offset", "overlap"]
JASPAR = TEST_DATA / "jaspar_motifs.meme"


def test_filter_motifs_come_as_meme_a_match_table_and_logos(test_data, tmp_path):
    out, folder, logos = tmp_path / "a.tsv", tmp_path / "filters", tmp_path / "filter_logos"
    result = interpret(TEST_DATA / "small.safetensors", "--fasta", test_data / "sequences.fa", "--task", "activity",
                       "--method", "gradient-input", "--output", out, "--filter-motifs", folder, "--known-motifs",
                       JASPAR, "--filter-logos", logos, "--max-logos", 3)
    assert "interpreted 40 sequence(s)" in result.stderr and "filter motif(s) in" in result.stderr
    assert pd.read_csv(out, sep="\t").shape == (40 * 200, 11)  # the attributions as without filter motifs
    assert sorted(p.name for p in folder.iterdir()) == ["matches.tsv", "motifs.meme"]

    text = (folder / "motifs.meme").read_text()
    assert text.startswith("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\n"
                           "A 0.25 C 0.25 G 0.25 T 0.25\n\nMOTIF filter")
    headers = re.findall(r"MOTIF (\S+)\nletter-probability matrix: alength= 4 w= (\d+) nsites= (\d+) E= 0\n", text)
    motifs = read_motifs(folder / "motifs.meme")
    assert [(m.id, str(len(m.pfm)), str(m.sites)) for m in motifs] == headers
    assert all(len(m.pfm) == 19 and m.sites >= 10 for m in motifs)  # the bundled model's filters are 19 bp

    table = pd.read_csv(folder / "matches.tsv", sep="\t")
    assert list(table.columns) == MATCH_COLUMNS
    assert table["filter"].tolist() == [m.id for m in motifs] and table["sites"].tolist() == [m.sites for m in motifs]
    assert table["information_content"].to_numpy() == pytest.approx([m.information_content for m in motifs],
                                                                     rel=1e-3)
    assert (table["influence"] >= 0).all() and table["influence"].is_monotonic_decreasing
    known = {m.id: m.name for m in read_motifs(JASPAR)}
    assert all(known[i] == name for i, name in zip(table["match_id"], table["match_name"]))
    assert table["correlation"].between(-1, 1).all() and set(table["strand"]) <= {"+", "-"}
    assert (table["overlap"] >= 5).all() and (table["offset"].abs() < 19).all()

    assert sorted(p.name for p in logos.iterdir()) == [f"{rank:04d}_{name}.png" for rank, name in
                                                        enumerate(table["filter"][:3], start=1)]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in logos.iterdir())


def test_filter_motifs_of_variants_come_from_their_ref_windows(test_data, tmp_path):
    out = tmp_path / "v.tsv"
    interpret(TEST_DATA / "small.safetensors", "--reference", test_data / "genome.fa", "--vcf",
              test_data / "variants.vcf", "--task", "activity", "--method", "gradient-input", "--output", out,
              "--filter-motifs", tmp_path / "from_vcf")
    table = pd.read_csv(out, sep="\t", keep_default_na=False)
    ref = table[table["allele"] == "ref"].groupby("name", sort=False)["base"].agg("".join)
    fasta = tmp_path / "ref.fa"
    fasta.write_text("".join(f">{i}\n{sequence}\n" for i, sequence in enumerate(ref)))
    interpret(TEST_DATA / "small.safetensors", "--fasta", fasta, "--task", "activity", "--method", "gradient-input",
              "--output", tmp_path / "f.tsv", "--filter-motifs", tmp_path / "from_fasta")
    for name in ("motifs.meme", "matches.tsv"):
        assert (tmp_path / "from_vcf" / name).read_text() == (tmp_path / "from_fasta" / name).read_text()
    without_database = pd.read_csv(tmp_path / "from_vcf" / "matches.tsv", sep="\t", keep_default_na=False)
    assert (without_database[MATCH_COLUMNS[4:]] == ".").all().all()


def test_filters_of_a_trained_model_match_the_planted_ap1_motif(trained, test_data, tmp_path):
    interpret(trained, "--fasta", test_data / "sequences.fa", "--task", "ap1_bound", "--method", "gradient-input",
              "--output", tmp_path / "a.tsv", "--filter-motifs", tmp_path / "filters", "--known-motifs", JASPAR)
    best = pd.read_csv(tmp_path / "filters" / "matches.tsv", sep="\t").groupby("match_name")["correlation"].max()
    assert best.idxmax() == "FOS::JUN" and best["FOS::JUN"] > 0.8, best.to_dict()


@pytest.mark.parametrize("database, filter_motifs, message", [
    ("motif\tA\tC\tG\tT\n", True, "neither MEME minimal format (no 'MEME version' line) nor JASPAR format"),
    ("", True, "empty; give motifs in MEME minimal or JASPAR format"),
    ("MEME version 4\n\nALPHABET= ACGT\n", True, "holds no motifs"),
    (JASPAR.read_text(), False, "--known-motifs and --filter-logos come with --filter-motifs"),
])
def test_bad_filter_motif_input_is_one_error_line_and_no_output(test_data, tmp_path, database, filter_motifs,
                                                                message):
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    inputs.mkdir()
    fasta, args = test_data / "sequences.fa", []
    if database is not None:
        (inputs / "motifs.txt").write_text(database)
        args += ["--known-motifs", inputs / "motifs.txt"]
    if filter_motifs:
        args += ["--filter-motifs", outputs / "filters", "--filter-logos", outputs / "logos"]
    result = interpret(TEST_DATA / "small.safetensors", "--fasta", fasta, "--task", "activity", "--method",
                       "gradient-input", "--output", outputs / "a.tsv", "--bedgraph", outputs / "a.bedgraph", *args,
                       expect=2)
    assert message in error_line(result)
    assert not outputs.exists() or list(outputs.iterdir()) == []


def test_sequences_too_few_for_filter_motifs_give_empty_motif_files_and_a_warning(tmp_path):
    (tmp_path / "gap.fa").write_text(">gap\n" + "N" * 200 + "\n")
    result = interpret(TEST_DATA / "small.safetensors", "--fasta", tmp_path / "gap.fa", "--task", "activity",
                       "--output", tmp_path / "a.tsv", "--filter-motifs", tmp_path / "filters")
    assert "no filter of the model's first convolution has 10 or more sites in the 1 sequence(s)" in result.stderr
    assert "MOTIF" not in (tmp_path / "filters" / "motifs.meme").read_text()
    assert (tmp_path / "filters" / "matches.tsv").read_text().split("\n")[1:] == [""]
