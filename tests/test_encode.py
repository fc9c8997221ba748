import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pysam
import pytest
from helpers import error_line, run_tool

from genotools import __version__
from genotools.sequence.encoding import one_hot


def encode(*args, expect=0):
    return run_tool("encode", *args, expect=expect)


def test_regions_become_uint8_one_hot_with_labels_names_coordinates_and_provenance(test_data, encoded):
    bed = [line.split("\t") for line in (test_data / "regions.bed").read_text().splitlines()]
    genome = pysam.FastaFile(str(test_data / "genome.fa"))
    with h5py.File(encoded) as store:
        onehot = store["onehot"]
        assert onehot.dtype == np.uint8 and onehot.shape == (len(bed) - 1, 200, 4)
        assert [t.decode() for t in store["task_names"]] == ["ap1_bound", "gata_ebox", "activity"]
        np.testing.assert_array_equal(store["labels"][:5], np.array([row[4:] for row in bed[1:6]], dtype=np.float32))
        assert store["names"][7].decode() == bed[8][3]
        chrom, start = store["chroms"][123].decode(), int(store["starts"][123])
        np.testing.assert_array_equal(onehot[123], one_hot(genome.fetch(chrom, start, start + 200)))
        attrs = dict(store.attrs)
        assert (attrs["alphabet"], attrs["unknown_base_encoding"], attrs["seq_len"]) == ("ACGT", "zeros", 200)
        assert attrs["genotools_version"] == __version__ and len(attrs["reference_fingerprint"]) == 16


def test_windows_are_resized_around_the_centre_and_padded_with_n_at_contig_ends(test_data, tmp_path):
    out = tmp_path / "wide.h5"
    encode("--reference", test_data / "genome.fa", "--regions", test_data / "regions.bed", "--seq-len", 1000,
           "--output", out)
    with h5py.File(out) as store:
        assert store["onehot"].shape[1] == 1000
        assert (int(store["starts"][0]), int(store["ends"][0])) == (-400, 600)  # chr1:0-200, centred
        assert not store["onehot"][0, :550].any()  # 400 bases past the contig start, then the 150-N assembly gap
        assert store["onehot"][0, 550:].sum(axis=1).all()
        # 8,091 windows of 1,000 bp are encoded and written in two runs: the second is where the first left off
        chrom, start = store["chroms"][5000].decode(), int(store["starts"][5000])
        genome = pysam.FastaFile(str(test_data / "genome.fa"))
        np.testing.assert_array_equal(store["onehot"][5000], one_hot(genome.fetch(chrom, start, start + 1000)))
        assert store["names"][5000].decode() == f"{chrom}:{start + 400}-{start + 600}"


def test_compressed_inputs_encode_like_plain_ones(test_data, encoded, tmp_path):
    pysam.tabix_compress(str(test_data / "genome.fa"), str(tmp_path / "genome.fa.gz"))
    with open(test_data / "regions.bed", "rb") as plain, gzip.open(tmp_path / "regions.bed.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    out = tmp_path / "from_gz.h5"
    encode("--reference", tmp_path / "genome.fa.gz", "--regions", tmp_path / "regions.bed.gz", "--output", out)
    with h5py.File(out) as a, h5py.File(encoded) as b:
        np.testing.assert_array_equal(a["onehot"][()], b["onehot"][()])


def test_regions_piped_in_encode_like_the_file(test_data, encoded, tmp_path):
    """`... | genotools-encode --regions /dev/stdin`: a pipe is read once, gzipped or not."""
    out = tmp_path / "piped.h5"
    subprocess.run([Path(sys.executable).parent / "genotools-encode", "--reference", test_data / "genome.fa",
                    "--regions", "/dev/stdin", "--output", out, "--quiet"],
                   input=gzip.compress((test_data / "regions.bed").read_bytes()), check=True, timeout=600)
    with h5py.File(out) as a, h5py.File(encoded) as b:
        np.testing.assert_array_equal(a["onehot"][()], b["onehot"][()])
        np.testing.assert_array_equal(a["labels"][()], b["labels"][()])


def test_a_plain_gzip_reference_is_refused_with_the_fix(test_data, tmp_path):
    with open(test_data / "genome.fa", "rb") as plain, gzip.open(tmp_path / "genome.fa.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    result = encode("--reference", tmp_path / "genome.fa.gz", "--regions", test_data / "regions.bed",
                    "--output", tmp_path / "x.h5", expect=2)
    assert "bgzip" in error_line(result)
    assert not (tmp_path / "x.h5").exists()


def test_gzipped_fasta_sequences_with_labels(tmp_path):
    with gzip.open(tmp_path / "seqs.fa.gz", "wt") as fasta:
        fasta.write(">a\nACGTacgtNN\n>b\nTTTTGGGGCC\n")
    (tmp_path / "labels.tsv").write_text("name\tbound\tsignal\nb\t1\t2.5\na\t0\tNA\n")
    out = tmp_path / "seqs.h5"
    encode("--fasta", tmp_path / "seqs.fa.gz", "--labels", tmp_path / "labels.tsv", "--kmer", 2,
           "--reverse-complement", "--output", out)
    with h5py.File(out) as store:
        assert [n.decode() for n in store["names"]] == ["a", "b", "a", "b"]
        assert [s.decode() for s in store["strands"]] == ["+", "+", "-", "-"]
        np.testing.assert_array_equal(store["onehot"][0], one_hot("ACGTACGTNN"))
        np.testing.assert_array_equal(store["onehot"][3], one_hot("GGCCCCAAAA"))
        np.testing.assert_array_equal(store["labels"][1], [1, 2.5])
        assert np.isnan(store["labels"][0, 1])
        assert store["kmers"].shape == (4, 16) and store["kmers"][1].sum() == 9
        assert "chroms" not in store


def test_fasta_records_named_by_region_keep_their_coordinates(tmp_path):
    # bedtools getfasta names (0-based start, strand suffix with -s) and samtools faidx names (1-based) alike.
    (tmp_path / "seqs.fa").write_text(">chr2:10-20(+)\nACGTACGTAC\n>chrX:101-110\nACGTACGTAC\n")
    out = tmp_path / "seqs.h5"
    encode("--fasta", tmp_path / "seqs.fa", "--seq-len", 6, "--output", out)
    with h5py.File(out) as store:
        assert [c.decode() for c in store["chroms"]] == ["chr2", "chrX"]
        np.testing.assert_array_equal(store["starts"], [12, 102])
        np.testing.assert_array_equal(store["ends"], [18, 108])


@pytest.mark.parametrize("bed, message", [
    ("chr1\t10\t210\nchrUn\t5\t205\nchr22\t1\t201\n", "contigs not in the reference: chr22, chrUn"),
    ("1\t10\t210\n", "contigs not in the reference: 1 (the names differ by a 'chr' prefix"),
    ("#chrom\tstart\tend\tname\tbound\n", "contains no regions"),
    ("chr1\t10\t210\tr1\nchr1\tten\t210\tr2\n", "line 2: start and end must be integers"),
    ("chr1\t300\t210\n", "line 1: need 0 <= start < end"),
    ("#chrom\tstart\tend\tname\tbound\nchr1\t10\t210\tr1\tyes\n", "line 2: bound value 'yes' is not a number"),
    ("chr1\t10\t210\nchr1\t10\t250\n", "regions have different lengths (200 to 240 bp); set --seq-len"),
])
def test_bad_regions_get_one_clear_line_and_no_output(test_data, tmp_path, bed, message):
    (tmp_path / "bad.bed").write_text(bed)
    result = encode("--reference", test_data / "genome.fa", "--regions", tmp_path / "bad.bed",
                    "--output", tmp_path / "out.h5", expect=2)
    assert message in error_line(result)
    assert error_line(result).startswith("genotools-encode: error: ")
    assert list(tmp_path.iterdir()) == [tmp_path / "bad.bed"]


@pytest.mark.parametrize("fasta, labels, message", [
    ("", None, "contains no sequences"),
    ("@read\nACGT\n+\nIIII\n", None, "not a FASTA file"),
    (">a\nACGT\n>b\nACG\n", None, "sequences have different lengths"),
    (">a\nACGT\n>b\nACGT\n", "name\tbound\na\t1\n", "no labels for 1 FASTA record(s), e.g. 'b'"),
])
def test_bad_fasta_input_gets_one_clear_line(tmp_path, fasta, labels, message):
    (tmp_path / "seqs.fa").write_text(fasta)
    args = ["--fasta", tmp_path / "seqs.fa", "--output", tmp_path / "out.h5"]
    if labels:
        (tmp_path / "labels.tsv").write_text(labels)
        args += ["--labels", tmp_path / "labels.tsv"]
    assert message in error_line(encode(*args, expect=2))
    assert not (tmp_path / "out.h5").exists()


def test_inputs_must_be_one_of_the_two_kinds(test_data, tmp_path):
    result = encode("--fasta", test_data / "genome.fa", "--regions", test_data / "regions.bed",
                    "--output", tmp_path / "out.h5", expect=2)
    assert "either --fasta or --reference with --regions" in error_line(result)


# Datasets from peak files

def peak_coverage(path, lengths):
    """Per contig, which bases a peak file's peaks cover: the oracle the labels are checked against."""
    covered = {chrom: np.zeros(length, dtype=bool) for chrom, length in lengths.items()}
    for line in path.read_text().splitlines():
        chrom, start, end = line.split("\t")[:3]
        covered[chrom][int(start) : int(end)] = True
    return covered


def test_tiles_are_labelled_by_the_share_of_each_tile_its_task_peaks_cover(test_data, tmp_path):
    with open(test_data / "gata.narrowPeak", "rb") as plain, gzip.open(tmp_path / "gata.narrowPeak.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)
    out = tmp_path / "peaks.h5"
    encode("--reference", test_data / "genome.fa", "--peaks", test_data / "ap1.narrowPeak", "--peaks",
           tmp_path / "gata.narrowPeak.gz", "--tile", 200, "--context", 400, "--output", out)
    genome = pysam.FastaFile(str(test_data / "genome.fa"))
    lengths = dict(zip(genome.references, genome.lengths))
    coverage = {"ap1": peak_coverage(test_data / "ap1.narrowPeak", lengths),
                "gata": peak_coverage(test_data / "gata.narrowPeak", lengths)}
    with h5py.File(out) as store:
        assert [t.decode() for t in store["task_names"]] == ["ap1", "gata"]
        names = [n.decode() for n in store["names"]]
        # Every 200-bp tile but those whose 400-bp window is more than 10% N: the first and last of each contig
        # (whose windows run 100 bases past its ends), and the second of chr1 (which starts with 150 N).
        assert len(names) == 9 * (90_000 // 200 - 2) - 1 and names[0] == "chr1:400-600"
        labels, chroms, starts = store["labels"][()], store["chroms"][()], store["starts"][()]
        for row in (0, 1000, 2222, 4000):
            chrom, tile = names[row].split(":")
            tile_start, tile_end = map(int, tile.split("-"))
            expected = [coverage[task][chrom][tile_start:tile_end].mean() >= 0.5 for task in ("ap1", "gata")]
            np.testing.assert_array_equal(labels[row], expected)
            assert (chroms[row].decode(), starts[row]) == (chrom, tile_start - 100)
            np.testing.assert_array_equal(store["onehot"][row], one_hot(genome.fetch(chrom, starts[row],
                                                                                      starts[row] + 400)))
        assert 0.2 < labels.mean() < 0.8


# Regions 1000-1200, 1200-1400 and 1400-1600 on chr2. The first task's peaks cover 1150-1450 together: a quarter of
# regions 1 and 3, all of region 2; 1150-1250 lies half in region 1, 1250-1320 wholly in region 2, 1300-1450 two
# thirds in region 2. The second task's 1210-1390 lies wholly in region 2, and 1599-1601 half in region 3.
@pytest.mark.parametrize("options, expected", [
    ([], [[0, 0], [1, 1], [0, 0]]),
    (["--min-overlap", 0.25], [[1, 0], [1, 1], [1, 0]]),
    (["--min-overlap", 0], [[1, 0], [1, 1], [1, 1]]),  # any overlap
    (["--overlap-of", "peak"], [[1, 0], [1, 1], [0, 1]]),
    (["--overlap-of", "peak", "--min-overlap", 0.6], [[0, 0], [1, 1], [0, 0]]),
])
def test_overlap_is_a_share_of_the_region_or_of_one_peak(test_data, tmp_path, options, expected):
    (tmp_path / "regions.bed").write_text("chr2\t1000\t1200\nchr2\t1200\t1400\nchr2\t1400\t1600\n")
    (tmp_path / "a.bed").write_text("chr2\t1300\t1450\nchr2\t1150\t1250\nchr2\t1250\t1320\n")  # any order
    (tmp_path / "b.bed").write_text("chr2\t1210\t1390\nchr2\t1599\t1601\n")
    out = tmp_path / "data.h5"
    encode("--reference", test_data / "genome.fa", "--regions", tmp_path / "regions.bed", "--peaks",
           tmp_path / "a.bed", "--peaks", tmp_path / "b.bed", "--task-names", "first,second", *options,
           "--output", out)
    with h5py.File(out) as store:
        assert [t.decode() for t in store["task_names"]] == ["first", "second"]
        np.testing.assert_array_equal(store["labels"][()], expected)
        assert [n.decode() for n in store["names"]] == ["chr2:1000-1200", "chr2:1200-1400", "chr2:1400-1600"]


def gc_content(onehot):
    return onehot[..., 1:3].sum(axis=(1, 2)) / onehot.sum(axis=(1, 2))


def test_background_windows_match_the_gc_content_of_the_windows_in_peaks(tmp_path):
    # A contig whose GC content rises along it, with peaks mostly where it is GC-rich (as promoters are).
    rng = np.random.default_rng(0)
    gc = np.repeat(np.linspace(0.3, 0.7, 5), 20_000)
    bases = np.where(rng.random(len(gc)) < gc, rng.choice(list("GC"), len(gc)), rng.choice(list("AT"), len(gc)))
    (tmp_path / "genome.fa").write_text(">chrA\n" + "".join(bases) + "\n")
    starts = np.concatenate([rng.integers(60_000, 99_800, 60), rng.integers(0, 60_000, 15)])
    (tmp_path / "peaks.bed").write_text("".join(f"chrA\t{s}\t{s + 200}\n" for s in starts))
    runs = []
    for seed, background in ((0, 2), (0, 2), (1, 2), (0, None)):
        out = tmp_path / f"data{len(runs)}.h5"
        encode("--reference", tmp_path / "genome.fa", "--peaks", tmp_path / "peaks.bed", "--tile", 200,
               *(["--background", background] if background else []), "--seed", seed, "--output", out)
        with h5py.File(out) as store:
            runs.append((store["labels"][:, 0], gc_content(store["onehot"][()]), store["names"][()]))
    (labels, gc, names), again, other_seed, (all_labels, all_gc, _) = runs
    assert labels.sum() == all_labels.sum() > 60  # every tile in a peak is kept
    assert len(labels) - labels.sum() == pytest.approx(2 * labels.sum(), rel=0.05)
    assert abs(gc[labels == 1].mean() - gc[labels == 0].mean()) < 0.01
    assert gc[labels == 1].mean() - all_gc[all_labels == 0].mean() > 0.05  # what sampling at random would give
    assert (again[2] == names).all() and set(other_seed[2]) != set(names)  # --seed draws them


def test_windows_touching_an_excluded_region_are_left_out(test_data, tmp_path):
    out = tmp_path / "data.h5"
    encode("--reference", test_data / "genome.fa", "--peaks", test_data / "gata.narrowPeak", "--tile", 500,
           "--context", 1000, "--exclude", test_data / "blacklist.bed", "--output", out)
    blacklist = [line.split("\t")[:3] for line in (test_data / "blacklist.bed").read_text().splitlines()]
    with h5py.File(out) as store:
        windows = list(zip(store["chroms"][()], store["starts"][()], store["ends"][()]))
    touching = [w for w in windows for chrom, start, end in blacklist
                if w[0].decode() == chrom and w[1] < int(end) and int(start) < w[2]]
    assert touching == []
    # each 2,000-bp repeat touches 5 or 6 windows of 1,000 bp every 500; contig ends lose 2 windows (3 on chr1)
    assert 9 * (90_000 // 500 - 2) - 1 - 9 * 6 <= len(windows) <= 9 * (90_000 // 500 - 2) - 1 - 9 * 5


@pytest.mark.parametrize("args, message", [
    (["--tile", 200, "--regions", "{data}/regions.bed"],
     "with --peaks, give either --tile or --regions: the regions to label"),
    ([], "with --peaks, give either --tile or --regions: the regions to label"),
    (["--tile", 200, "--task-names", "a,b"], "--task-names names 2 task(s) for 1 peak file(s); give one "
     "name per --peaks"),
    (["--tile", 200, "--peaks", "{tmp}/ap1.bed"], "two peak files make the task 'ap1'; name each with --task-names"),
    (["--tile", 200, "--peaks", "{tmp}/unprefixed.bed"], "{tmp}/unprefixed.bed: no interval is on a contig of the "
     "reference (the first is on 2) (the names differ by a 'chr' prefix: rename them)"),
    (["--regions", "{data}/regions_small.bed"], "{data}/regions_small.bed: has label columns, but --peaks makes the "
     "labels; give the regions without them"),
    (["--tile", 200, "--overlap-of", "summit"], "--overlap-of 'summit': choose region, peak"),
    (["--tile", 100_000], "--tile 100,000: every contig of the reference is shorter; tile it in shorter pieces"),
    (["--tile", 200, "--max-n", 0, "--exclude", "{tmp}/everything.bed"], "{tmp}/everything.bed: every window "
     "touches an excluded region"),
])
def test_bad_peak_options_get_one_clear_line_and_no_output(test_data, tmp_path, args, message):
    (tmp_path / "ap1.bed").write_text("chr2\t10\t20\n")
    (tmp_path / "unprefixed.bed").write_text("2\t10\t20\n")
    (tmp_path / "everything.bed").write_text("".join(f"chr{c}\t0\t90000\n" for c in range(1, 10)))
    fill = {"data": test_data, "tmp": tmp_path}
    result = encode("--reference", test_data / "genome.fa", "--peaks", test_data / "ap1.narrowPeak",
                    *[str(a).format(**fill) for a in args], "--output", tmp_path / "out.h5", expect=2)
    assert error_line(result) == "genotools-encode: error: " + message.format(**fill)
    assert not (tmp_path / "out.h5").exists()


def test_a_genome_of_gaps_leaves_no_window(tmp_path):
    (tmp_path / "gaps.fa").write_text(">chr1\n" + "N" * 5000 + "\n")
    (tmp_path / "peaks.bed").write_text("chr1\t100\t300\n")
    result = encode("--reference", tmp_path / "gaps.fa", "--peaks", tmp_path / "peaks.bed", "--tile", 200,
                    "--output", tmp_path / "out.h5", expect=2)
    assert error_line(result) == ("genotools-encode: error: every window has more than 10% unknown bases (N); "
                                  "raise --max-n")
    assert not (tmp_path / "out.h5").exists()


@pytest.mark.parametrize("args", [["--tile", 200], ["--background", 0], ["--exclude", "{data}/blacklist.bed"],
                                  ["--task-names", "a"]])
def test_peak_options_without_peaks_are_refused(test_data, tmp_path, args):
    result = encode("--reference", test_data / "genome.fa", "--regions", test_data / "regions_small.bed",
                    *[str(a).format(data=test_data) for a in args], "--output", tmp_path / "out.h5", expect=2)
    assert error_line(result) == f"genotools-encode: error: {args[0]} goes with --peaks"
