import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from genotools.io.fasta import reverse_complement
from genotools.sequence.baseline import kmer_baseline, kmer_features, kmer_layer
from genotools.sequence.encoding import one_hot


def features(sequence, patterns):
    return kmer_features(one_hot(sequence)[None], patterns)[0]


def test_a_kmer_and_its_reverse_complement_share_one_column():
    # 2-mers: 16, of which AT, CG, GC, TA are their own reverse complements: (16 + 4) / 2 columns.
    assert features("AAAA", ((2, 0),)).shape == (10,)
    np.testing.assert_array_equal(features("AAAA", ((2, 0),)), features("TTTT", ((2, 0),)))
    assert features("AAAA", ((2, 0),)).max() == 1.0


def test_gapped_kmers_skip_their_middle_and_windows_with_n_are_not_counted():
    # ACGT read with one gap: A_G and C_T, which are each other's reverse complements.
    gapped = features("ACGT", ((2, 1),))
    assert gapped.max() == 1.0 and np.count_nonzero(gapped) == 1
    # Of ANAAA's four 2-mers only AA and AA lack the N.
    np.testing.assert_array_equal(features("ANAAA", ((2, 0),)), features("AAAA", ((2, 0),)))


@pytest.mark.parametrize("sequence", ["ACGTTGCAAGGCTTAN", "GATTACAGATTACA"])
def test_a_sequence_and_its_reverse_complement_have_the_same_features(sequence):
    patterns = ((3, 0), (4, 2))
    np.testing.assert_allclose(features(sequence, patterns), features(reverse_complement(sequence), patterns))


@pytest.fixture(scope="module")
def planted():
    """1,200 windows of 60 bp, AP-1's site in every other (a binary task), a regression task of noise, some
    windows with Ns; the baseline fitted on the first 1,000."""
    rng = np.random.default_rng(0)
    sequences = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(1200)]
    labels = np.array([[i % 2, np.nan if i % 7 == 0 else 5 + 2 * rng.normal()] for i in range(1200)],
                      dtype=np.float32)
    planted = [s[:20] + "TGACTCA" + s[27:] if i % 2 else s for i, s in enumerate(sequences)]
    planted = [s[:40] + "NNN" + s[43:] if i % 5 == 0 else s for i, s in enumerate(planted)]
    onehot = np.stack([one_hot(s) for s in planted])
    splits = {"train": np.arange(1000), "valid": np.arange(1000, 1100), "test": np.arange(1100, 1200)}
    return onehot, labels, kmer_baseline(onehot, labels, ["binary", "regression"], splits)


def test_the_baseline_finds_a_planted_kmer_and_predicts_every_held_out_window(planted):
    onehot, labels, fitted = planted
    assert fitted.predictions["test"].shape == (100, 2) and fitted.predictions["valid"].shape == (100, 2)
    assert roc_auc_score(labels[1100:, 0], fitted.predictions["test"][:, 0]) > 0.95
    assert len(fitted.penalties) == 2 and "logistic and ridge" in fitted.name


def test_a_task_with_one_class_in_training_gets_a_constant_prediction_and_no_penalty():
    onehot = np.stack([one_hot(s) for s in ("ACGTACGTAC", "TTGACTCAGG", "GGGCCCAAAT", "ACGTTTTGCA")])
    labels = np.array([[1], [1], [0], [1]], dtype=np.float32)
    fitted = kmer_baseline(onehot, labels, ["binary"], {"train": np.arange(2), "valid": np.array([2]),
                                                        "test": np.array([2, 3])})
    assert fitted.penalties == [None]
    np.testing.assert_array_equal(fitted.predictions["test"], [[0], [0]])


def test_the_kmer_layer_computes_the_baseline_on_the_network_scale_with_or_without_gradients(planted):
    onehot, labels, fitted = planted
    mean, std = [0.0, 5.0], [1.0, 2.0]  # a regression task's network outputs are (value - mean) / std
    layer = kmer_layer(fitted, mean, std)
    expected = (fitted.predictions["test"] - mean) / std
    test = torch.from_numpy(onehot[1100:]).float()
    with torch.no_grad():
        np.testing.assert_allclose(layer(test).numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(layer(test.requires_grad_()).detach().numpy(), expected, atol=1e-5)


def test_the_kmer_layer_gradient_is_the_effect_of_each_single_base_substitution(planted):
    onehot, _, fitted = planted
    layer = kmer_layer(fitted, [0.0, 0.0], [1.0, 1.0])
    x = torch.from_numpy(onehot[1]).float()  # carries AP-1's site at 20-26
    x.requires_grad_()
    layer(x[None])[0, 0].backward()
    gradient = x.grad - (x.grad * x).sum(1, keepdim=True)  # relative to the base present
    substituted = torch.eye(4)[None].repeat(60, 1, 1)
    mutants = x.detach()[None].repeat(60 * 4, 1, 1)
    mutants[torch.arange(240), torch.arange(240) // 4] = substituted.reshape(240, 4)
    with torch.no_grad():
        effects = (layer(mutants)[:, 0] - layer(x.detach()[None])[0, 0]).reshape(60, 4)
    torch.testing.assert_close(gradient, effects, atol=1e-5, rtol=1e-4)
    assert effects[20:27].min() < -1  # breaking the site lowers the logit
