import numpy as np
import pytest

from genotools.io.fasta import clip_window, reverse_complement
from genotools.sequence.encoding import (
    ALPHABET,
    centred_window,
    kmer_counts,
    one_hot,
    resize,
    reverse_complement_one_hot,
)


def naive_one_hot(sequence):
    rows = [[base.upper() == letter for letter in ALPHABET] for base in sequence]
    return np.array(rows, dtype=np.uint8).reshape(len(sequence), 4)


@pytest.mark.parametrize("length", [0, 1, 2, 7, 1000, 131_073])
def test_one_hot_matches_the_definition_for_any_length(length):
    rng = np.random.default_rng(length)
    sequence = "".join(rng.choice(list("ACGTacgtNnRYKMSWBDHV-"), length))
    encoded = one_hot(sequence)
    assert encoded.dtype == np.uint8 and encoded.shape == (length, 4)
    np.testing.assert_array_equal(encoded, naive_one_hot(sequence))


def test_soft_masked_bases_encode_like_upper_case_and_ambiguity_codes_as_zeros():
    np.testing.assert_array_equal(one_hot("acgt"), one_hot("ACGT"))
    assert not one_hot("NRYKMSWBDHV").any()


def test_one_hot_writes_into_a_given_row():
    out = np.full((3, 5, 4), 9, dtype=np.uint8)
    one_hot("ACGTN", out=out[1])
    np.testing.assert_array_equal(out[1], naive_one_hot("ACGTN"))
    assert (out[0] == 9).all() and (out[2] == 9).all()


def test_reverse_complement_of_one_hot_is_one_hot_of_reverse_complement():
    sequence = "AACGTNTTGCAGGcat"
    assert reverse_complement(sequence) == "atgCCTGCAANACGTT"
    np.testing.assert_array_equal(reverse_complement_one_hot(one_hot(sequence)), one_hot(reverse_complement(sequence)))


def test_kmer_counts_skip_kmers_with_n():
    counts = kmer_counts("AACNAC", 2)
    assert counts.shape == (16,) and counts.sum() == 3
    assert counts[0] == 1 and counts[1] == 2  # AA once, AC twice; CN and NA are skipped


def test_windows_are_centred_and_padded_past_the_ends():
    assert centred_window(100, 110, 4) == (103, 107)
    assert clip_window(-5, 3, 10) == (5, 0, 3, 0)
    assert clip_window(8, 14, 10) == (0, 8, 10, 4)
    assert clip_window(12, 14, 10) == (0, 10, 10, 2)
    assert resize("ACGTAC", 4) == "CGTA"
    assert resize("ACG", 7) == "NNACGNN"
