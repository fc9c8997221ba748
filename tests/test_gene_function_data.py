import gzip
import re

import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics import average_precision_score

from genotools.errors import InputError
from genotools.function.annotations import read_gaf, read_gene_terms
from genotools.function.baselines import naive, neighbours, random_walk
from genotools.function.metrics import evaluate, fmax, information_content, smin, term_aupr
from genotools.function.model import VOTE_PRIOR_WEIGHT, walk_votes
from genotools.function.network import RESTART, aligned, read_network
from genotools.function.ontology import Ontology, consistent_scores, read_obo
from genotools.io.tables import summarise

# A diamond: bottom (4) is_a left (2) and part_of right (3), both under the root (1). Term 4 also regulates 5,
# which is not followed; binding (11) is part_of a process (3), an edge across aspects that is dropped.
OBO = """format-version: 1.2
default-namespace: gene_ontology

[Term]
id: GO:0000001
name: root process
namespace: biological_process

[Term]
id: GO:0000004
name: bottom
namespace: biological_process
alt_id: GO:0000044
is_a: GO:0000002 ! left
relationship: part_of GO:0000003 ! right
relationship: regulates GO:0000005 ! other

[Term]
id: GO:0000002
name: left
namespace: biological_process
is_a: GO:0000001 ! root process

[Term]
id: GO:0000003
name: right
namespace: biological_process
is_a: GO:0000001 {source="x"} ! root process

[Term]
id: GO:0000005
name: other
namespace: biological_process
is_a: GO:0000001

[Term]
id: GO:0000006
name: old
namespace: biological_process
is_obsolete: true
replaced_by: GO:0000004

[Term]
id: GO:0000007
name: gone
namespace: biological_process
is_obsolete: true

[Term]
id: GO:0000010
name: root function
namespace: molecular_function

[Term]
id: GO:0000011
name: binding
namespace: molecular_function
is_a: GO:0000010
relationship: part_of GO:0000003

[Typedef]
id: part_of
name: part of
is_transitive: true
"""


@pytest.fixture
def obo(tmp_path):
    path = tmp_path / "go.obo"
    path.write_text(OBO)
    return path


def write(path, rows):
    path.write_text("".join("\t".join(map(str, row)) + "\n" for row in rows))
    return path


def gaf_line(symbol, term, evidence="IDA", aspect="P", qualifier=""):
    return ("UniProtKB", f"ID_{symbol}", symbol, qualifier, term, "PMID:1", evidence, "", aspect, "a protein",
            "", "protein", "taxon:9606", "20190101", "UniProt", "", "")


def annotated(annotations):
    """{gene: set of terms} of annotations' matrix."""
    return {gene: {annotations.terms[t] for t in annotations.matrix[g].indices}
            for g, gene in enumerate(annotations.genes)}


def test_obo_terms_parents_obsolete_terms_and_alt_ids(obo):
    ontology = read_obo(obo)
    assert sorted(ontology.ids) == ["GO:0000001", "GO:0000002", "GO:0000003", "GO:0000004", "GO:0000005",
                                    "GO:0000010", "GO:0000011"]  # no obsolete term, no [Typedef]
    assert all(max(parents, default=-1) < term for term, parents in enumerate(ontology.parents))
    at = ontology.index
    assert {ontology.ids[p] for p in ontology.parents[at["GO:0000004"]]} == {"GO:0000002", "GO:0000003"}
    assert {ontology.ids[p] for p in ontology.parents[at["GO:0000011"]]} == {"GO:0000010"}
    assert ontology.cross_aspect == [("GO:0000011", "GO:0000003")]
    assert ontology.names[at["GO:0000004"]] == "bottom"
    assert [ontology.aspects[at[t]] for t in ("GO:0000004", "GO:0000011")] == ["BP", "MF"]
    assert {ontology.ids[r] for r in ontology.roots()} == {"GO:0000001", "GO:0000010"}
    assert ontology.live("GO:0000044") == ontology.live("GO:0000006") == "GO:0000004"
    assert ontology.live("GO:0000007") is None and ontology.obsolete == {"GO:0000007"}
    assert ontology.live("GO:9999999") is None
    compressed = obo.with_suffix(".obo.gz")
    compressed.write_bytes(gzip.compress(obo.read_bytes()))
    assert read_obo(compressed).ids == ontology.ids


def test_annotations_are_propagated_up_is_a_and_part_of_within_their_aspect(obo, tmp_path):
    ontology = read_obo(obo)
    table = write(tmp_path / "terms.tsv", [("gene", "go_id"), ("A", "GO:0000044"), ("B", "GO:0000002"),
                                          ("C", "GO:0000005"), ("D", "GO:0000011"), ("B", "GO:0000002")])
    process = read_gene_terms(table, ontology, "BP")
    assert annotated(process) == {"A": {"GO:0000004", "GO:0000002", "GO:0000003", "GO:0000001"},
                                  "B": {"GO:0000002", "GO:0000001"}, "C": {"GO:0000005", "GO:0000001"}}
    assert process.terms[0] == "GO:0000001" and process.terms.index("GO:0000004") > process.terms.index("GO:0000003")
    assert process.dropped == {"other aspects": 1}
    assert process.reported == {"terms mapped to their live term": ["GO:0000044 -> GO:0000004"]}
    # binding's part_of a process is not followed: propagation stays within the molecular functions
    assert annotated(read_gene_terms(table, ontology, "MF")) == {"D": {"GO:0000011", "GO:0000010"}}


def test_gaf_drops_not_and_filtered_evidence_and_reports_obsolete_and_unknown_terms(obo, tmp_path):
    ontology = read_obo(obo)
    path = tmp_path / "human.gaf.gz"
    lines = ["!gaf-version: 2.2", "!generated by hand",
             *("\t".join(line) for line in [
                 gaf_line("TP53", "GO:0000004"),
                 gaf_line("TP53", "GO:0000005", qualifier="NOT|involved_in"),
                 gaf_line("BRCA1", "GO:0000002", evidence="IEA"),
                 gaf_line("BRCA1", "GO:0000003", evidence="IMP", qualifier="involved_in"),
                 gaf_line("EGFR", "GO:0000007"),
                 gaf_line("EGFR", "GO:0000006", evidence="TAS"),
                 gaf_line("KRAS", "GO:1234567"),
                 gaf_line("KRAS", "GO:0000011", aspect="F"),
                 gaf_line("MYC", "GO:0000011"),
             ])]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    process = read_gaf(path, ontology, "BP", drop_evidence={"IEA"})
    assert annotated(process) == {"TP53": {"GO:0000004", "GO:0000002", "GO:0000003", "GO:0000001"},
                                  "BRCA1": {"GO:0000003", "GO:0000001"},
                                  "EGFR": {"GO:0000004", "GO:0000002", "GO:0000003", "GO:0000001"}}
    assert process.dropped == {"NOT qualifier": 1, "evidence code": 1}
    assert summarise(process.reported) == [
        "1 obsolete terms without a replacement (e.g. GO:0000007)",
        f"1 terms not in {obo} (e.g. GO:1234567)",
        "1 terms of another aspect in the ontology (e.g. GO:0000011)",
        "1 terms mapped to their live term (e.g. GO:0000006 -> GO:0000004)"]
    experimental = read_gaf(path, ontology, "BP", identifier="id", keep_evidence={"IDA", "IMP"})
    assert experimental.genes == ["ID_TP53", "ID_BRCA1"] and experimental.dropped["evidence code"] == 2
    assert annotated(read_gaf(path, ontology, "MF")) == {"KRAS": {"GO:0000011", "GO:0000010"}}


def test_scores_are_made_consistent_with_the_ontology(obo, tmp_path):
    ontology = read_obo(obo)
    table = write(tmp_path / "terms.tsv", [("A", "GO:0000004"), ("B", "GO:0000005")])
    dag = ontology.restrict(read_gene_terms(table, ontology, "BP").terms)
    at = dag.index
    scores = np.zeros((2, len(dag)))
    scores[0, [at["GO:0000004"], at["GO:0000002"], at["GO:0000005"]]] = [0.9, 0.2, 0.4]
    scores[1, at["GO:0000003"]] = 0.7
    consistent = consistent_scores(scores, dag)
    expected = np.zeros((2, len(dag)))
    expected[0, [at[t] for t in ("GO:0000004", "GO:0000002", "GO:0000003", "GO:0000001", "GO:0000005")]] = [
        0.9, 0.9, 0.9, 0.9, 0.4]
    expected[1, [at["GO:0000003"], at["GO:0000001"]]] = 0.7
    assert np.array_equal(consistent, expected)
    with pytest.raises(ValueError, match="without their ancestors"):
        ontology.restrict(["GO:0000004", "GO:0000002"])


@pytest.fixture
def four_terms():
    """root 0; 1 and 2 under it; 3 under 1."""
    return Ontology("hand.obo", ["R", "A", "B", "C"], ["", "", "", ""], ["BP"] * 4,
                    [np.array([], int), np.array([0]), np.array([0]), np.array([1])], {}, set())


def test_fmax_and_smin_match_a_hand_computation_without_the_root(four_terms):
    truth = np.array([[1, 1, 0, 1], [1, 0, 1, 0]], bool)  # gene 1: A and C; gene 2: B
    scores = np.array([[1.0, 0.8, 0.31, 0.6], [1.0, 0.5, 0.4, 0.1]])
    # At thresholds 0.32 to 0.40 gene 1 predicts A, C (precision 1, recall 1) and gene 2 A, B (1/2, 1):
    # precision 3/4, recall 1, F 6/7; no other threshold does better. At 0.31 gene 1 predicts B too.
    assert fmax(truth, scores, exclude=[0]) == pytest.approx((6 / 7, 0.32))
    # A gene predicting nothing lowers recall, not precision: gene 1 alone has precision 1, recall 1; R = 1/2.
    assert fmax(truth, scores * [[1], [0]], exclude=[0])[0] == pytest.approx(2 / 3)
    # Counting the root, which every gene has, would flatter the prediction: gene 2's precision becomes 2/3.
    assert fmax(truth, scores)[0] == pytest.approx(2 * (5 / 6) / (5 / 6 + 1))
    training = np.array([[1, 1, 0, 1], [1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 0]], bool)
    content = information_content(training, four_terms)
    assert content == pytest.approx([0, np.log2(4 / 3), 1, np.log2(3)])  # C: 1 of the 3 genes with A
    # At 0.32 to 0.40 nothing true is missed and gene 2's A is misinformation: mi = IC(A) / 2 genes.
    assert smin(truth, scores, content, exclude=[0]) == pytest.approx((np.log2(4 / 3) / 2, 0.32))
    metrics = evaluate(truth, scores, four_terms, content)
    assert metrics["fmax"] == pytest.approx(6 / 7) and metrics["smin"] == pytest.approx(np.log2(4 / 3) / 2)
    assert (metrics["genes"], metrics["terms"]) == (2, 3)


def test_term_aupr_is_average_precision_averaged_over_terms_with_a_positive(four_terms):
    truth = np.array([[1, 1, 0, 0], [1, 0, 0, 1], [1, 1, 0, 0], [1, 0, 1, 0]], bool)
    scores = np.array([[1, .9, .1, .5], [1, .8, .2, .5], [1, .4, .3, .5], [1, .4, .9, .5]])
    # A: ranked T F (T F tied): 1/2 * 1 + 1/2 * 2/4; B: first; C: all tied, 1/4. The root is left out.
    assert term_aupr(truth, scores, exclude=[0]) == pytest.approx((0.75 + 1 + 0.25) / 3)
    assert evaluate(truth, scores, four_terms, np.zeros(4))["aupr"] == pytest.approx((0.75 + 1 + 0.25) / 3)
    random = np.random.default_rng(0)
    truth, scores = random.random((40, 30)) < 0.2, np.round(random.random((40, 30)), 1)
    truth[:, 0] = True
    expected = [average_precision_score(truth[:, t], scores[:, t]) for t in range(30) if truth[:, t].any()]
    assert term_aupr(truth, scores) == pytest.approx(np.mean(expected))


def test_neighbour_baseline_on_a_small_network(tmp_path):
    genes = ["g0", "g1", "g2", "g3", "g4"]
    truth = np.array([[1, 1, 0], [1, 0, 1], [1, 0, 1], [1, 1, 0], [1, 0, 1]], bool)  # terms: root, A, B
    path = tmp_path / "string.txt"
    path.write_text("protein1 protein2 combined_score\ng3 g0 2\ng0 g3 1\ng3 g1 1\ng3 g3 9\ng3 gX 5\ng4 g3 3\n")
    network = read_network(path)
    assert network.genes == ["g3", "g0", "g1", "gX", "g4"] and (network.self_loops, network.merged) == (1, 1)
    assert (network.adjacency != network.adjacency.T).nnz == 0 and network.adjacency[0, 1] == 2
    adjacency = aligned(network, genes)
    train, test = np.array([0, 1, 2]), np.array([3, 4])
    scores = neighbours(truth, adjacency, train, test)
    # g3: 2 of its 3 units of edge weight to training genes go to g0 (A), 1 to g1 (B). g4's only neighbour
    # is g3, a test gene: it gets the term frequencies of the training genes.
    assert scores == pytest.approx(np.array([[1, 2 / 3, 1 / 3], [1, 1 / 3, 2 / 3]]))
    assert np.array_equal(naive(truth, train, test), [[1, 1 / 3, 2 / 3]] * 2)


def walk_from_every_gene(adjacency):
    """sum over k >= 1 of (1 - RESTART)^(k - 1) P^k, P the row-normalised adjacency, in closed form."""
    adjacency = adjacency.toarray()
    transition = adjacency / np.maximum(adjacency.sum(1, keepdims=True), 1e-300)
    return transition @ np.linalg.inv(np.eye(len(adjacency)) - (1 - RESTART) * transition)


def test_the_random_walk_reaches_annotated_genes_beyond_the_neighbours():
    # A chain g0 - g1 - g2 - g3 - g4 and g5 alone; g0 (term A) and g4 (term B) are the training genes.
    edges = [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 1.0), (3, 4, 1.0)]
    rows, columns, weights = zip(*edges)
    upper = sparse.coo_matrix((weights, (rows, columns)), shape=(6, 6))
    adjacency = (upper + upper.T).tocsr()
    truth = np.array([[1, 1, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 1], [1, 0, 0]], bool)
    train, test = np.array([0, 4]), np.array([1, 2, 3, 5])
    walk = walk_from_every_gene(adjacency)
    labels = truth * np.isin(np.arange(6), train)[:, None]
    reaching = test[:3]  # g5 reaches no training gene: it gets the term frequencies
    expected = np.vstack([(walk @ labels)[reaching] / (walk @ labels[:, 0])[reaching, None], [1, 0.5, 0.5]])
    scores = random_walk(truth, adjacency, train, test)
    assert scores == pytest.approx(expected, abs=0.005)  # the walk stops after 13 steps
    # g1's only training neighbour is g0 (A), but the walk also reaches g4 (B); g2 and g3 reach neither directly.
    assert neighbours(truth, adjacency, train, test)[:3, 1:] == pytest.approx(np.array([[1, 0], [0.5, 0.5], [0, 1]]))
    assert 0 < scores[0, 2] < scores[1, 2] < 0.5 < scores[2, 2] < 1
    # The gnn's vote counts the term frequencies as a part of the gene's direct neighbours, and caps certainty
    # (the root, which every gene has).
    prior = np.array([1, 0.5, 0.5])
    votes = walk_votes(adjacency, truth, np.isin(np.arange(6), train), prior)[test]
    shares = (((walk @ labels)[test] + VOTE_PRIOR_WEIGHT * prior)
              / ((walk @ labels[:, 0])[test, None] + VOTE_PRIOR_WEIGHT))
    assert 1 / (1 + np.exp(-votes)) == pytest.approx(np.minimum(shares, 1 - 1e-4), abs=0.005)


@pytest.mark.parametrize("name, text, message", [
    ("bad.obo", "[Term]\nid: GO:1\nnamespace biological_process\n", "line 3: expected 'tag: value'"),
    ("bad.obo", "[Term]\nid: GO:1\nnamespace: biological_process\n\n[Term]\nid: GO:1\n",
     "line 5: term GO:1 is already defined on line 1"),
    ("bad.obo", "[Term]\nid: GO:1\nnamespace: biological_process\nis_a: GO:2\n",
     "line 1: term GO:1 has parent GO:2, not a term of the file"),
    ("bad.obo", "[Term]\nid: GO:1\nnamespace: biological_process\nis_a: GO:2\n\n"
               "[Term]\nid: GO:2\nnamespace: biological_process\nis_a: GO:1\n",
     "line 1: term GO:1 is in or below a cycle"),
    ("bad.obo", "[Term]\nid: GO:1\nnamespace: gene_ontology\n", "line 1: term GO:1 has namespace 'gene_ontology'"),
    ("a.gaf", "!gaf-version: 2.2\nUniProtKB\tP1\tTP53\t\tGO:1\tPMID:1\tIDA\n", "line 2: 7 tab-separated columns"),
    ("a.gaf", "!gaf-version: 2.2\n" + "\t".join(gaf_line("TP53", "GO:1", aspect="X")) + "\n",
     "line 2: a GAF line needs a gene symbol"),
    ("terms.tsv", "gene\tterm\nTP53\tGO:1\textra\n", "line 2: expected a gene and a term separated by a tab"),
    ("net.tsv", "a\tb\t1\nb\tc\thigh\n", "line 2: weight 'high' is not a non-negative number"),
    ("net.csv", "a,b,-1\n", "line 1: weight '-1' is not a non-negative number"),
])
def test_malformed_input_gets_one_line_naming_the_file_and_line(obo, tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    ontology = read_obo(obo)
    read = {"bad.obo": read_obo, "a.gaf": lambda p: read_gaf(p, ontology, "BP"),
            "terms.tsv": lambda p: read_gene_terms(p, ontology, "BP"), "net.tsv": read_network,
            "net.csv": read_network}[name]
    with pytest.raises(InputError, match=f"^{re.escape(str(path))}: {message}") as error:
        read(path)
    assert "\n" not in str(error.value)
