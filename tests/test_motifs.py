import copy

import numpy as np
import pytest
import torch
from helpers import TEST_DATA
from torch import nn

from genotools.errors import InputError
from genotools.sequence.encoding import one_hot, one_hot_many, reverse_complement_one_hot
from genotools.sequence.models import ARCHITECTURES, build_model
from genotools.sequence.motifs import (
    MIN_SITES,
    Motif,
    compare,
    filter_influence,
    filter_motifs,
    first_convolution,
    read_motifs,
    write_meme,
)

CPU = torch.device("cpu")


class Toy(nn.Module):
    """A convolution over the one-hot bases (padded by 1 on each side), then one over its filters."""

    def __init__(self):
        super().__init__()
        self.motifs = nn.Conv1d(4, 3, 3, padding=1)
        self.mix = nn.Conv1d(3, 1, 1)

    def forward(self, onehot):
        return self.mix(self.motifs(onehot.transpose(1, 2))).amax(dim=2)


def toy_model():
    model = Toy()
    with torch.no_grad():
        model.motifs.weight.zero_()
        model.motifs.bias.zero_()
        model.motifs.weight[0] = torch.tensor(one_hot("ACG").T)  # scores the bases that match ACG
        model.motifs.bias[1] = -1  # never above 0: no sites
        model.motifs.weight[2, 3, 1] = 1  # a T in the middle
    return model


def test_a_filter_pfm_counts_the_bases_of_its_sites():
    # Filter 0 scores 3 on ACG and 2 on ACC: the sites are where it exceeds 1.5. The windows NCG and the edge
    # windows -CG, AC- score 2 too, but hold an N or run off the sequence.
    sequences = ["CGTACCAC", "TACGNCGA", "AACGACGG"]
    found = filter_motifs(toy_model(), one_hot_many(sequences, 8), CPU, min_sites=2)
    assert [(motif.id, motif.sites) for motif in found] == [("filter0", 4)]  # ACC, ACG, ACG, ACG
    expected = np.array([[4.1, 0.1, 0.1, 0.1], [0.1, 4.1, 0.1, 0.1], [0.1, 1.1, 3.1, 0.1]]) / 4.4
    np.testing.assert_allclose(found[0].pfm, expected, rtol=1e-12)
    # filter 2 fires on one window only (GTA), filter 1 on none
    assert [(m.id, m.sites) for m in filter_motifs(toy_model(), one_hot_many(sequences, 8), CPU, min_sites=1)] == [
        ("filter0", 4), ("filter2", 1)]


def test_batches_give_the_same_motifs_as_one_pass():
    rng = np.random.default_rng(0)
    onehot = one_hot_many(["".join(rng.choice(list("ACGTN"), 50)) for _ in range(20)], 50)
    whole, batched = (filter_motifs(toy_model(), onehot, CPU, batch_size=size, min_sites=1) for size in (20, 3))
    assert [m.id for m in whole] == [m.id for m in batched]
    for a, b in zip(whole, batched):
        assert a.sites == b.sites
        np.testing.assert_array_equal(a.pfm, b.pfm)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_architecture_gives_motifs_of_its_first_convolution(name):
    model, _ = build_model(name, 100, 2)
    conv = first_convolution(model)
    rng = np.random.default_rng(1)
    found = filter_motifs(model, one_hot_many(["".join(rng.choice(list("ACGT"), 100)) for _ in range(30)], 100), CPU)
    assert found and all(m.pfm.shape == (conv.kernel_size[0], 4) and m.sites >= MIN_SITES for m in found)
    assert {m.id for m in found} <= {f"filter{i}" for i in range(conv.out_channels)}
    np.testing.assert_allclose([m.pfm.sum(axis=1) for m in found], 1)


def test_a_filter_s_influence_is_the_output_change_when_it_outputs_its_mean():
    """Replacing a filter's activations by their mean is what a filter of zero weights whose bias is that mean
    does; a filter that outputs a constant (filter 1: zero weights) has no influence."""
    sequences = ["ACGTTACGGA", "TTTACGACGT", "GGGCCCAAAT", "ACGACGNNTA", "CATGCATGCA"]
    onehot = one_hot_many(sequences, 10)
    model = toy_model()
    influence = filter_influence(model, onehot, CPU, 0, batch_size=2)
    inputs = torch.from_numpy(onehot).float()
    with torch.no_grad():
        reference = model(inputs)[:, 0]
        for index in (0, 2):
            flat = copy.deepcopy(model)
            flat.motifs.weight[index] = 0
            flat.motifs.bias[index] = model.motifs(inputs.transpose(1, 2))[:, index].mean()
            assert influence[index] == pytest.approx((flat(inputs)[:, 0] - reference).square().mean().item())
    assert influence[1] == 0 and influence[0] > 0 and influence[2] > 0


def test_a_model_without_a_convolution_over_the_bases_is_an_input_error():
    with pytest.raises(InputError, match="no convolution over the 4 bases"):
        first_convolution(nn.Sequential(nn.Flatten(), nn.Linear(40, 1)))


def test_information_content_is_bits_against_a_uniform_background():
    pfm = np.array([[1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0, 0]])
    assert Motif("m", "", pfm, 1).information_content == pytest.approx(3, abs=1e-12)


def test_meme_round_trip(tmp_path):
    motifs = [Motif("filter3", "", np.array([[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0]]), 12),
              Motif("MA0099.4", "FOS::JUN", np.array([[0.25, 0.25, 0.25, 0.25]] * 3), 1000)]
    path = tmp_path / "motifs.meme"
    write_meme(motifs, path)
    assert path.read_text() == (
        "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25"
        "\n\nMOTIF filter3\nletter-probability matrix: alength= 4 w= 2 nsites= 12 E= 0\n"
        "0.100000 0.200000 0.300000 0.400000\n1.000000 0.000000 0.000000 0.000000\n\n"
        "MOTIF MA0099.4 FOS::JUN\nletter-probability matrix: alength= 4 w= 3 nsites= 1000 E= 0\n"
        + "0.250000 0.250000 0.250000 0.250000\n" * 3 + "\n")
    back = read_motifs(path)
    assert [(m.id, m.name, m.sites) for m in back] == [("filter3", "", 12), ("MA0099.4", "FOS::JUN", 1000)]
    for a, b in zip(motifs, back):
        np.testing.assert_allclose(a.pfm, b.pfm, rtol=1e-12)


def test_the_bundled_jaspar_matrices_read_as_jaspar_writes_them():
    motifs = read_motifs(TEST_DATA / "jaspar_motifs.meme")
    assert [(m.id, m.name, len(m.pfm)) for m in motifs] == [
        ("MA0099.4", "FOS::JUN", 9), ("MA0036.4", "GATA2", 7), ("MA0058.4", "MAX", 6), ("MA0139.2", "CTCF", 15),
        ("MA1115.2", "POU5F1", 7)]
    assert motifs[0].sites == 1000
    np.testing.assert_allclose(motifs[0].pfm[0], [0.592, 0.111, 0.257, 0.040])


@pytest.mark.parametrize("text", [
    ">MA0001.1 TEST\nA [ 1 0 ]\nC [ 0 2 ]\nG [ 1 0 ]\nT [ 0 0 ]\n",
    ">MA0001.1\tTEST\n1 0\n0 2\n1 0\n0 0\n\n",  # the older layout: rows of counts without letters
])
def test_jaspar_counts_become_probabilities(tmp_path, text):
    path = tmp_path / "m.jaspar"
    path.write_text(text)
    (motif,) = read_motifs(path)
    assert (motif.id, motif.name, motif.sites) == ("MA0001.1", "TEST", 2)
    np.testing.assert_array_equal(motif.pfm, [[0.5, 0, 0.5, 0], [0, 1, 0, 0]])


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("motif\tA\tC\n", "neither MEME minimal format"),
    ("MEME version 4\n\nALPHABET= ACGT\n", "holds no motifs"),
    ("MEME version 4\nALPHABET= ACDEFGHIKLMNPQRSTVWY\n", "only DNA motifs"),
    ("MEME version 4\nMOTIF a\nletter-probability matrix: alength= 4 w= 2\n0.25 0.25 0.25 0.25\n", "w= 2 but 1"),
    ("MEME version 4\nMOTIF a\nletter-probability matrix: w= 1\n0.5 0.5 0\n", "line 4: expected 4 numbers"),
    ("MEME version 4\nletter-probability matrix: w= 1\n0.5 0.5 0 0\n", "before any MOTIF"),
    (">MA1\nA [ 1 ]\nC [ 1 ]\nG [ 1 ]\n", "needs rows of as many counts"),
    (">MA1\nACGT\n", "line 2: expected some numbers, found 'ACGT'"),
    (">MA1\nA [ 0 ]\nC [ 0 ]\nG [ 0 ]\nT [ 0 ]\n", "line 1: a motif position has .* none above 0"),
    ("MEME version 4\nMOTIF a\nletter-probability matrix:\n0.5 nan 0.5 0\n", "not numbers of 0 or more"),
])
def test_bad_motif_files_are_input_errors(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_motifs(path)


PFM = np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.7], [0.1, 0.6, 0.2, 0.1], [0.2, 0.2, 0.5, 0.1],
                [0.9, 0.0, 0.1, 0.0], [0.3, 0.3, 0.1, 0.3], [0.0, 0.0, 0.2, 0.8], [0.4, 0.1, 0.4, 0.1]])


def match(query, database, **options):
    return [(m.motif.id, m.offset, m.strand, m.overlap, m.correlation) for m in compare([query], database,
                                                                                         **options)[0]]


def test_a_motif_matches_itself_its_reverse_complement_and_shifted_copies():
    query = Motif("q", "", PFM, 10)
    uniform = np.full((2, 4), 0.25)
    database = [Motif("rc", "", reverse_complement_one_hot(PFM), 1), Motif("inner", "", PFM[2:], 1),
                Motif("padded", "", np.vstack([uniform, PFM]), 1), Motif("self", "", PFM, 1)]
    perfect = pytest.approx(1, abs=1e-12)
    assert {row[0]: row[1:] for row in match(query, database)} == {
        "rc": (0, "-", 8, perfect), "inner": (2, "+", 6, perfect), "padded": (-2, "+", 8, perfect),
        "self": (0, "+", 8, perfect)}


def test_the_score_is_the_pearson_correlation_of_the_aligned_columns():
    # One-hot AAC against AAG: centred on 0.25, equal columns give 0.75 and different ones -0.25, so the correlation
    # is (0.75 + 0.75 - 0.25) / (3 x 0.75) = 5/9; on the other strand (GTT against AAG) it is -0.75 / 2.25.
    aac, aag = (Motif(s, "", one_hot(s).astype(float), 1) for s in ("AAC", "AAG"))
    assert match(aac, [aag]) == [("AAG", 0, "+", 3, pytest.approx(5 / 9, abs=1e-12))]
    # With an overlap of 2 allowed, the shifted alignments score 1/3 and the best stays the same.
    assert match(aac, [aag], min_overlap=2) == [("AAG", 0, "+", 3, pytest.approx(5 / 9, abs=1e-12))]
    assert match(aac, [aag, aac])[0][0] == "AAC"


def test_alignments_share_at_least_min_overlap_columns():
    query = Motif("q", "", PFM, 1)
    tail = Motif("tail", "", np.vstack([PFM[-3:], np.eye(4)[[0, 1, 2]]]), 1)  # PFM's last 3 columns, then ACG
    (best,) = compare([query], [tail])[0]  # the perfect 3-column alignment is too short
    assert best.overlap >= 5 and best.correlation < 0.5
    (short,) = compare([query], [tail], min_overlap=3)[0]
    assert (short.offset, short.strand, short.overlap, short.correlation) == (5, "+", 3, pytest.approx(1))
