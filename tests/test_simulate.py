import filecmp

import pysam
from helpers import TEST_DATA, run_tool

from genotools.sequence.simulate import TASKS, grammar


def test_bundled_test_data_is_what_the_generator_makes(tmp_path):
    run_tool("simulate", "--output-dir", tmp_path, "--seed", 1)
    for name in ("genome.fa", "genome.fa.fai", "regions.bed", "regions_small.bed", "sequences.fa",
                 "sequences_labels.tsv", "ap1.narrowPeak", "gata.narrowPeak", "blacklist.bed", "variants.vcf"):
        assert filecmp.cmp(tmp_path / name, TEST_DATA / name, shallow=False), f"{name} differs from test-data/"
        assert (TEST_DATA / name).stat().st_size < 1_000_000


def test_labels_follow_the_motif_grammar():
    genome = pysam.FastaFile(str(TEST_DATA / "genome.fa"))
    lines = (TEST_DATA / "regions.bed").read_text().splitlines()
    assert lines[0].split("\t")[4:] == TASKS
    positives = 0
    for line in lines[1:]:
        chrom, start, end, _, ap1, both, activity = line.split("\t")
        expected = grammar(genome.fetch(chrom, int(start), int(end)))
        assert (float(ap1), float(both)) == expected[:2]
        assert abs(float(activity) - expected[2]) < 1.5  # Gaussian noise, sd 0.2
        positives += float(ap1)
    assert 0.2 < positives / (len(lines) - 1) < 0.6


def test_variants_match_the_reference_and_carry_their_true_effect():
    genome = pysam.FastaFile(str(TEST_DATA / "genome.fa"))
    with pysam.VariantFile(str(TEST_DATA / "variants.vcf")) as vcf:
        records = list(vcf)
    assert len(records) > 150
    effects = set()
    for record in records:
        assert genome.fetch(record.chrom, record.start, record.stop).upper() == record.ref
        effects.add(record.info["TRUE_DELTA_ap1_bound"])
    assert effects == {-1.0, 0.0, 1.0}
