"""genotools-associate scan and predict, through the real command line on the bundled simulated cohort."""

import gzip
import itertools
import json
import subprocess
from collections import Counter

import numpy as np
import pandas as pd
import pysam
import pytest
import statsmodels.api as sm
import torch
from helpers import TEST_DATA, error_line, kill_when_checkpointed, run_tool, script
from safetensors.torch import load_file
from scipy import stats
from scipy.optimize import minimize

from genotools.association.clumping import CLUMPED, clump
from genotools.association.genotypes import read_genotypes, vcf_samples
from genotools.association.phenotypes import parse_covariate_list, read_phenotypes
from genotools.association.qc import hwe_exact
from genotools.association.regression import association_tests, design_matrix
from genotools.association.simulate import simulate_cohort
from genotools.checkpoint import read_metadata

VCF, PHENOTYPES = TEST_DATA / "cohort.vcf.gz", TEST_DATA / "cohort_phenotypes.tsv"
CAUSAL = pd.read_csv(TEST_DATA / "cohort_causal.tsv", sep="\t")
COVARIATES = ["age", "sex", "PC1", "PC2"]
QUICK = ["--folds", 2, "--epochs", 30, "--lr", 3e-3, "--threads", 1, "--device", "cpu"]
OUTPUTS = {"variants.tsv", "qc.tsv", "manhattan.png", "qq.png", "risk_scores.tsv", "metrics.json",
           "model.safetensors"}


def scan(output_dir, *args, vcf=VCF, phenotypes=PHENOTYPES, phenotype="status", expect=0):
    return run_tool("associate", "scan", "--vcf", vcf, "--phenotypes", phenotypes, "--phenotype", phenotype,
                    "--covariates", "age,sex,PC1..PC2", *QUICK, *args, "--output-dir", output_dir, expect=expect)


@pytest.fixture(scope="module")
def case_control(tmp_path_factory):
    output = tmp_path_factory.mktemp("scan") / "results"
    scan(output)
    return output


@pytest.fixture(scope="module")
def dominance_ld(tmp_path_factory):
    """A scan of a cohort in LD blocks whose causal variants act dominantly or recessively: (results, VCF,
    causal variants)."""
    work = tmp_path_factory.mktemp("dominance")
    vcf, phenotypes, causal, _ = simulate_cohort(work, "dominance", samples=800, variants=400, causal=6, seed=1,
                                                 ld=0.9, effects="dominance")
    scan(work / "results", vcf=vcf, phenotypes=phenotypes)
    return work / "results", vcf, pd.read_csv(causal, sep="\t")


def _vcf_dosages(ids, path=VCF):
    """{variant id: {sample: ALT dosage or NaN}} read straight from a VCF with pysam."""
    found = {}
    with pysam.VariantFile(str(path)) as vcf:
        for record in vcf:
            name = record.id or f"{record.chrom}:{record.pos}:{record.ref}:{record.alts[0]}"
            if name in ids:
                found[name] = {sample: np.nan if None in call["GT"] else float(sum(call["GT"]))
                               for sample, call in record.samples.items()}
    return found


def test_scan_writes_every_output_and_leaves_out_what_qc_and_matching_remove(case_control):
    assert {path.name for path in case_control.iterdir()} == OUTPUTS
    qc = pd.read_csv(case_control / "qc.tsv", sep="\t")
    reasons = qc.groupby(["kind", "reason"]).size().to_dict()
    assert reasons[("sample", "not in the VCF")] == 4 and reasons[("sample", "not in the phenotype table")] == 4
    assert qc.query("reason == 'missing phenotype'").id.tolist() == ["S0008"]
    for kind, reason in (("sample", "call rate"), ("variant", "call rate"), ("variant", "MAF"), ("variant", "HWE"),
                         ("variant", "multiallelic")):
        assert reasons[(kind, reason)] > 0, (kind, reason)
    assert (qc.query("reason == 'HWE'").value < 1e-6).all()
    variants = pd.read_csv(case_control / "variants.tsv", sep="\t")
    assert not set(variants.id) & set(qc.id)
    assert (variants.maf >= 0.01).all() and variants.p.between(0, 1).all() and set(variants.test) == {"wald"}
    assert "chr1:4840:G:C" in set(variants.id)  # a variant without an ID is named chrom:pos:ref:alt
    risk = pd.read_csv(case_control / "risk_scores.tsv", sep="\t")
    samples_removed = (qc.kind == "sample").sum()
    assert len(risk) == 600 + 4 - samples_removed and set(risk.fold) == {1, 2}
    assert risk[["model", "covariates", "polygenic_score", "elastic_net"]].stack().between(0, 1).all()


def test_the_known_causal_variants_rank_first_by_p_value_and_by_neural_importance(case_control):
    variants = pd.read_csv(case_control / "variants.tsv", sep="\t")
    k = len(CAUSAL)
    by_p = set(variants.nsmallest(k, "p").id)
    by_importance = set(variants.nlargest(k, "neural_importance").id)
    assert len(by_p & set(CAUSAL.id)) >= 0.8 * k
    assert len(by_importance & set(CAUSAL.id)) >= 0.8 * k
    top = variants.set_index("id").loc[CAUSAL.id]
    assert (np.sign(top.beta) == np.sign(CAUSAL.log_odds_ratio.values)).mean() >= 0.9


def test_where_variants_act_dominantly_or_recessively_the_network_beats_the_additive_scores(dominance_ld):
    results, _, causal = dominance_ld
    mean = json.loads((results / "metrics.json").read_text())["mean"]
    assert mean["model"] > max(mean["polygenic_score"], mean["elastic_net"]) + 0.02
    variants = pd.read_csv(results / "variants.tsv", sep="\t")
    k = len(causal)
    assert len(set(variants.nlargest(k, "neural_importance").id) & set(causal.id)) >= k - 1
    assert len(set(variants.nsmallest(k, "p").id) & set(causal.id)) <= k - 2  # the additive test misses some


def test_ld_clumps_gather_each_leads_correlated_neighbours_and_lift_causal_variants_up_the_ranking(dominance_ld):
    results, vcf, causal = dominance_ld
    variants = pd.read_csv(results / "variants.tsv", sep="\t").set_index("id")
    dosage = pd.DataFrame(_vcf_dosages(set(variants.index), vcf))
    r2 = dosage.corr() ** 2  # pairwise complete, as the scan's mean filling barely differs with few missing calls
    for ranking in ("p", "importance"):
        clumped = variants[variants[f"{ranking}_clump"] <= 10]
        for lead, members in clumped.groupby(f"{ranking}_lead"):
            assert members[f"{ranking}_clump"].nunique() == 1 and lead in members.index
            near = members.chrom.eq(variants.chrom[lead]) & (members.pos - variants.pos[lead]).abs().le(250_000)
            assert near.all() and (r2.loc[lead, members.index] >= 0.09).all()
        leads = clumped.index[clumped.index == clumped[f"{ranking}_lead"]]
        assert len(leads) == 10 and sorted(clumped.loc[leads, f"{ranking}_clump"]) == list(range(1, 11))
        for first, second in itertools.combinations(leads, 2):
            if variants.chrom[first] == variants.chrom[second] and abs(variants.pos[first] - variants.pos[second]) \
                    <= 250_000:
                assert r2.loc[first, second] < 0.11
    causal_rows = variants.loc[causal.id]  # neighbours of the first signals no longer hide the others:
    assert (causal_rows.p_clump <= 10).all() and (causal_rows.p_rank <= 10).sum() <= len(causal) - 2


def test_a_clump_takes_correlated_variants_on_its_chromosome_within_the_window_and_only_the_top_is_clumped():
    rng = np.random.default_rng(0)
    genotypes = rng.integers(0, 3, size=(200, CLUMPED + 100)).astype(np.int8) * 50
    genotypes[:, 1:4] = genotypes[:, [0]]  # copies of variant 0: near it, too far, on another chromosome
    chroms = ["chr1"] * 3 + ["chr2"] + ["chr1"] * (CLUMPED + 96)
    positions = [1_000, 200_000, 300_000, 1_000] + list(range(400_000, 400_000 + 10 * (CLUMPED + 96), 10))
    order = np.arange(CLUMPED + 100)
    clumps = clump(genotypes, chroms, positions, order, r2=0.5, window=250_000)
    assert clumps.lead[:5].tolist() == [0, 0, 2, 3, 4] and clumps.rank[:5].tolist() == [1, 1, 2, 3, 4]
    assert (clumps.lead[CLUMPED:] == -1).all() and (clumps.rank[CLUMPED:] == 0).all()


def test_metrics_give_the_model_and_every_baseline_per_fold(case_control):
    metrics = json.loads((case_control / "metrics.json").read_text())
    assert metrics["metric"] == "auroc" and len(metrics["folds"]) == 2
    for method in ("model", "covariates", "polygenic_score", "elastic_net"):
        assert 0.5 < metrics["mean"][method] <= 1
        assert all(0 <= fold[method] <= 1 for fold in metrics["folds"])
    assert metrics["mean"]["model"] > metrics["mean"]["covariates"]
    # The elastic net keeps a few of the ~900 variants: the causal ones and some noise.
    assert metrics["mean"]["elastic_net"] > metrics["mean"]["covariates"]
    assert all(len(CAUSAL) // 2 <= fold["net_variants"] < 300 for fold in metrics["folds"])
    assert 0.8 < metrics["genomic_inflation"] < 1.2  # no inflation beyond chance over ~1,000 variants
    metadata = read_metadata(case_control / "model.safetensors")
    assert metadata["kind"] == "association" and metadata["covariate_levels"] == {"sex": ["F", "M"]}


def test_a_killed_scan_resumes_to_the_same_results_as_an_unbroken_one(case_control, tmp_path):
    killed, checkpoint = tmp_path / "killed", tmp_path / "killed.checkpoint.safetensors"
    command = [script("genotools-associate"), "scan", "--vcf", VCF, "--phenotypes", PHENOTYPES, "--phenotype",
               "status", "--covariates", "age,sex,PC1..PC2", *QUICK, "--quiet", "--output-dir", killed]
    # killed in the second fold: the first fold's record and predictions must come back
    kill_when_checkpointed(command, checkpoint, "run", 1)
    assert not killed.exists()

    scan(killed, "--resume", checkpoint, "--quiet")
    unbroken, resumed = load_file(case_control / "model.safetensors"), load_file(killed / "model.safetensors")
    assert unbroken.keys() == resumed.keys() and all(torch.equal(unbroken[k], resumed[k]) for k in unbroken)
    for name in ("risk_scores.tsv", "variants.tsv", "metrics.json"):
        assert (case_control / name).read_text() == (killed / name).read_text(), name

    result = scan(tmp_path / "other", "--lr", 0.01, "--resume", checkpoint, expect=2)
    assert "other training options" in error_line(result)
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("phenotype", ["status", "biomarker"])
def test_the_per_variant_tests_agree_with_statsmodels(phenotype):
    """Logistic (case/control) and linear (quantitative) tests with covariates, on genotypes read from the VCF
    independently, mean-imputed, against statsmodels' Logit and OLS, to 1e-6."""
    table = read_phenotypes(PHENOTYPES, phenotype, COVARIATES)
    ids = CAUSAL.id.tolist()[:3] + ["rs1007", "rs1014", "rs1021", "chr1:4840:G:C"]
    dosages = _vcf_dosages(set(ids))
    samples = [s for i, s in enumerate(table.samples) if s in dosages[ids[0]] and not np.isnan(table.trait[i])]
    rows = [table.samples.index(s) for s in samples]
    trait, covariates = table.trait[rows], table.covariates[rows]
    genotypes = np.array([[dosages[name][s] for name in ids] for s in samples])
    genotypes = np.where(np.isnan(genotypes), np.nanmean(genotypes, 0), genotypes)
    stored = np.where(np.isnan(np.array([[dosages[name][s] for name in ids] for s in samples])), -1,
                      genotypes * 50).astype(np.int8)
    beta, se, p, called, firth = association_tests(stored, trait, design_matrix(covariates), phenotype == "status")
    for j in range(len(ids)):
        design = sm.add_constant(np.column_stack([covariates, genotypes[:, j]]))
        model = sm.Logit(trait, design) if phenotype == "status" else sm.OLS(trait, design)
        fitted = model.fit(disp=0) if phenotype == "status" else model.fit()
        np.testing.assert_allclose([beta[j], se[j], p[j]], [fitted.params[-1], fitted.bse[-1], fitted.pvalues[-1]],
                                   rtol=1e-6, atol=1e-9)
    assert called.max() <= len(samples) and called.min() < len(samples) and not firth.any()


@pytest.mark.parametrize("carriers", [1, 15])  # a lone carrier among 2,000 makes plain Firth steps oscillate
def test_a_variant_only_cases_carry_gets_firths_test_which_maximises_the_penalised_likelihood(carriers):
    rng = np.random.default_rng(0)
    design = design_matrix(rng.normal(size=(2000, 4)))
    trait = (rng.random(2000) < 0.5).astype(float)
    carried = np.zeros(len(trait))
    carried[np.flatnonzero(trait == 1)[:carriers]] = 1
    common = rng.binomial(2, 0.3, len(trait))
    stored = (np.column_stack([carried, common]) * 50).astype(np.int8)
    beta, se, p, _, firth = association_tests(stored, trait, design, binary=True)
    assert firth.tolist() == [1, 0]

    x = np.column_stack([design, carried])

    def minus_penalised_log_likelihood(coefficients):
        mu = 1 / (1 + np.exp(-x @ coefficients))
        fisher = x.T @ (x * (mu * (1 - mu))[:, None])
        log_likelihood = np.sum(trait * np.log(mu) + (1 - trait) * np.log1p(-mu))
        return -(log_likelihood + 0.5 * np.linalg.slogdet(fisher)[1])

    full = minimize(minus_penalised_log_likelihood, np.zeros(x.shape[1]), method="BFGS", options={"gtol": 1e-9})
    null = minimize(lambda c: minus_penalised_log_likelihood(np.append(c, 0.0)), np.zeros(design.shape[1]),
                    method="BFGS", options={"gtol": 1e-9})
    chi_squared = 2 * (null.fun - full.fun)
    # the penalised likelihood is flat along a lone carrier's coefficient: BFGS stops within 1e-4 of its maximum
    np.testing.assert_allclose(beta[0], full.x[-1], rtol=1e-4)
    np.testing.assert_allclose(p[0], stats.chi2.sf(chi_squared, 1), rtol=1e-6)
    assert 0 < beta[0] < 10 and se[0] == pytest.approx(beta[0] / np.sqrt(chi_squared), rel=1e-5)


def test_the_scan_reports_which_variants_got_firths_test(tmp_path):
    with gzip.open(VCF, "rt") as source:
        lines = source.read().splitlines()
    header = [line for line in lines if line.startswith("#")]
    status = dict(line.split("\t")[:2] for line in PHENOTYPES.read_text().splitlines()[1:])
    samples = header[-1].split("\t")[9:]
    cases = [s for s in samples if status.get(s) == "case"][:15]
    calls = ["0/1" if s in cases else "0/0" for s in samples]
    separated = "\t".join(["chr1", "1", "rs_cases_only", "A", "G", ".", "PASS", ".", "GT", *calls])
    vcf = tmp_path / "cohort.vcf"
    vcf.write_text("\n".join([*header, separated, *lines[len(header):]]) + "\n")
    scan(tmp_path / "out", "--folds", 2, "--epochs", 3, vcf=vcf)
    variants = pd.read_csv(tmp_path / "out" / "variants.tsv", sep="\t").set_index("id")
    assert variants.test.value_counts().to_dict() == {"wald": len(variants) - 1, "firth": 1}
    row = variants.loc["rs_cases_only"]
    assert row.test == "firth" and 0 < row.p < 1e-3 and 1 < row.odds_ratio < np.exp(10)


def test_a_quantitative_trait_gets_linear_tests_and_r_squared(tmp_path):
    scan(tmp_path / "out", "--folds", 2, "--epochs", 3, phenotype="biomarker")
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["trait"] == "quantitative" and metrics["metric"] == "r2"
    # The biomarker is half the causal variants' doing, half noise and age.
    assert metrics["mean"]["elastic_net"] > metrics["mean"]["covariates"] + 0.2
    variants = pd.read_csv(tmp_path / "out" / "variants.tsv", sep="\t")
    assert "odds_ratio" not in variants and len(set(variants.nsmallest(10, "p").id) & set(CAUSAL.id)) >= 8
    qc = pd.read_csv(tmp_path / "out" / "qc.tsv", sep="\t")
    assert "missing phenotype" not in set(qc.reason)  # S0008 has a biomarker value


def test_predict_scores_new_samples_and_counts_missing_variants_as_the_mean(case_control, tmp_path):
    subset = tmp_path / "subset.vcf"
    with gzip.open(VCF, "rt") as source:
        lines = source.read().splitlines()
    header = [line for line in lines if line.startswith("#")]
    records = [line for line in lines if not line.startswith("#")]
    subset.write_text("\n".join(header + records[::2]) + "\n")
    output = tmp_path / "risk.tsv"
    result = run_tool("associate", "predict", "--model", case_control / "model.safetensors", "--vcf", subset,
                      "--phenotypes", PHENOTYPES, "--device", "cpu", "--output", output)
    assert "variants are missing; they count as the training mean" in result.stderr
    risk = pd.read_csv(output, sep="\t")
    assert list(risk.columns) == ["sample", "risk", "probability"] and risk.probability.between(0, 1).all()
    assert len(risk) == 600 - 4  # the VCF's samples less those not in the phenotype table
    full = tmp_path / "full.tsv"
    run_tool("associate", "predict", "--model", case_control / "model.safetensors", "--vcf", VCF,
             "--phenotypes", PHENOTYPES, "--device", "cpu", "--output", full, "--quiet")
    scores = pd.read_csv(full, sep="\t").merge(pd.read_csv(case_control / "risk_scores.tsv", sep="\t"), on="sample")
    assert scores.query("status == 1").risk.mean() > scores.query("status == 0").risk.mean()


def test_predict_counts_the_models_alt_allele_where_the_vcf_swaps_ref_and_alt(case_control, tmp_path):
    recode = {"0/0": "1/1", "1/1": "0/0"}
    with gzip.open(VCF, "rt") as source:
        lines = source.read().splitlines()
    swapped = tmp_path / "swapped.vcf"
    with open(swapped, "w") as out:
        for number, line in enumerate(lines):
            fields = line.split("\t")
            if not line.startswith("#") and number % 2:
                fields[3], fields[4] = fields[4], fields[3]
                fields[9:] = [recode.get(call, call) for call in fields[9:]]
            out.write("\t".join(fields) + "\n")
    risks = []
    for vcf in (VCF, swapped):
        output = tmp_path / f"{vcf.stem}.tsv"
        result = run_tool("associate", "predict", "--model", case_control / "model.safetensors", "--vcf", vcf,
                          "--phenotypes", PHENOTYPES, "--device", "cpu", "--output", output)
        risks.append(output.read_text())
    assert "of the model's variants have REF and ALT swapped" in result.stderr
    assert "missing" not in result.stderr
    assert risks[0] == risks[1]


def test_predict_needs_the_covariates_the_model_uses(case_control, tmp_path):
    result = run_tool("associate", "predict", "--model", case_control / "model.safetensors", "--vcf", VCF,
                      "--device", "cpu", "--output", tmp_path / "risk.tsv", expect=2)
    assert "uses the covariates age, sex, PC1, PC2; give them with --phenotypes" in error_line(result)
    assert not (tmp_path / "risk.tsv").exists()


def test_a_phenotype_value_that_does_not_parse_stops_with_its_line(tmp_path):
    lines = PHENOTYPES.read_text().splitlines()
    fields = lines[5].split("\t")
    lines[5] = "\t".join([fields[0], "unknown", *fields[2:]])
    broken = tmp_path / "broken.tsv"
    broken.write_text("\n".join(lines) + "\n")
    result = scan(tmp_path / "out", phenotypes=broken, expect=2)
    assert error_line(result).startswith(f"genotools-associate scan: error: {broken}: line 6: status value 'unknown'")
    assert not (tmp_path / "out").exists()
    age = tmp_path / "age.tsv"
    age.write_text(PHENOTYPES.read_text().replace("\t60\tF\t", "\tsixty\tF\t", 1))
    result = scan(tmp_path / "out", phenotypes=age, expect=2)
    assert "line 2: age value 'sixty' is not a number" in error_line(result)


def test_errors_name_the_problem_and_leave_no_output(tmp_path):
    result = scan(tmp_path / "out", phenotype="height", expect=2)
    assert "no column named 'height' for the phenotype" in error_line(result)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    result = scan(occupied, expect=2)
    assert "exists and is not an empty folder" in error_line(result)
    assert [p.name for p in occupied.iterdir()] == ["keep.txt"]
    result = scan(tmp_path / "out", "--genotype-field", "DS", "--quiet", expect=2)
    assert "has no DS field" in error_line(result) and "choose --genotype-field GT" in error_line(result)
    assert not (tmp_path / "out").exists()


def _phenotypes():
    """The bundled phenotype table, every value as its text."""
    return pd.read_csv(PHENOTYPES, sep="\t", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("status, found", [("case", "only one value (case)"), ("1", "only one value (1)"),
                                           ("NA", "no value (all are missing)")])
def test_a_status_without_both_classes_stops_naming_the_phenotype_table(tmp_path, status, found):
    table = tmp_path / "one_class.tsv"
    _phenotypes().assign(status=status).to_csv(table, sep="\t", index=False)
    result = scan(tmp_path / "out", phenotypes=table, expect=2)
    assert error_line(result) == (f"genotools-associate scan: error: {table}: status has {found}; a case/control "
                                  "study needs both cases and controls")
    assert not (tmp_path / "out").exists()


def test_a_constant_quantitative_trait_stops_naming_the_phenotype_table(tmp_path):
    phenotypes = _phenotypes()
    constant = tmp_path / "constant.tsv"
    phenotypes.assign(biomarker="5.0").to_csv(constant, sep="\t", index=False)
    result = scan(tmp_path / "out", phenotypes=constant, phenotype="biomarker", expect=2)
    assert error_line(result) == (f"genotools-associate scan: error: {constant}: biomarker has only one value (5); "
                                  "a quantitative trait needs values that differ between samples")
    assert not (tmp_path / "out").exists()
    # the one other value is a sample's that is not in the VCF: the trait is constant among the samples kept
    absent = sorted(set(phenotypes["sample"]) - set(vcf_samples(VCF)))[0]
    kept_constant = tmp_path / "kept_constant.tsv"
    phenotypes.assign(biomarker=np.where(phenotypes["sample"] == absent, "7", "5.0")).to_csv(
        kept_constant, sep="\t", index=False)
    result = scan(tmp_path / "out", "--quiet", phenotypes=kept_constant, phenotype="biomarker", expect=2)
    assert error_line(result).startswith(f"genotools-associate scan: error: {kept_constant}: biomarker has only "
                                         "one value (5) among the ")
    assert error_line(result).endswith("samples that pass QC; a quantitative trait needs values that differ "
                                       "between samples")
    assert not (tmp_path / "out").exists()


def test_a_plink_status_reads_minus_nine_as_missing_and_leaves_those_samples_out(tmp_path):
    phenotypes = _phenotypes()
    phenotypes["status"] = phenotypes.status.map({"case": "2", "control": "1", "NA": "NA"})
    phenotypes.loc[1:3, "status"] = "-9"  # S0002..S0004; S0008 is NA
    plink = tmp_path / "plink.tsv"
    phenotypes.to_csv(plink, sep="\t", index=False)
    result = scan(tmp_path / "out", "--folds", 2, "--epochs", 1, phenotypes=plink)
    assert "samples left out, missing phenotype: 4 (e.g. S0002, S0003, S0004)" in result.stderr
    qc = pd.read_csv(tmp_path / "out" / "qc.tsv", sep="\t")
    assert qc.query("reason == 'missing phenotype'").id.tolist() == ["S0002", "S0003", "S0004", "S0008"]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["trait"] == "binary" and metrics["cases"] + metrics["controls"] == metrics["samples"]


def test_phenotype_codings_and_covariate_ranges(tmp_path):
    table = tmp_path / "plink.csv"
    table.write_text("IID,disease,sex\na,1,M\nb,2,F\nc,NA,F\nd,2,M\n")
    parsed = read_phenotypes(table, "disease", ["sex"])
    assert parsed.binary and np.array_equal(parsed.trait[[0, 1, 3]], [0, 1, 1]) and np.isnan(parsed.trait[2])
    assert parsed.covariates[:, 0].tolist() == [1, 0, 0, 1] and parsed.covariate_levels == {"sex": ["F", "M"]}
    assert parse_covariate_list("age, sex,PC1..PC3") == ["age", "sex", "PC1", "PC2", "PC3"]
    table.write_text("IID,level\na,1\nb,-9\nc,2\nd,0.5\n")  # -9 is a value when others are not 1/2 coding
    parsed = read_phenotypes(table, "level")
    assert not parsed.binary and parsed.trait.tolist() == [1, -9, 2, 0.5]


def _hwe_by_enumeration(hom_ref, het, hom_alt):
    """The exact HWE p-value by brute force: every placement of the ALT alleles among the 2n allele slots
    (consecutive pairs are individuals) is equally likely under the null."""
    n, alt = hom_ref + het + hom_alt, het + 2 * hom_alt
    counts = Counter(sum((a // 2) not in {b // 2 for b in placed if b != a} for a in placed)
                     for placed in itertools.combinations(range(2 * n), alt))
    observed = counts[het]
    return sum(c for c in counts.values() if c <= observed) / sum(counts.values())


@pytest.mark.parametrize("counts", [(3, 2, 2), (5, 0, 3), (2, 6, 0), (4, 3, 1), (6, 1, 1)])
def test_the_hardy_weinberg_exact_test_is_the_enumerated_probability(counts):
    assert hwe_exact(*counts) == pytest.approx(_hwe_by_enumeration(*counts), rel=1e-9)


def test_hardy_weinberg_extremes():
    assert hwe_exact(50, 0, 50) < 1e-20
    assert hwe_exact(100, 0, 0) == 1.0


def test_dosages_are_read_from_ds_to_the_nearest_fiftieth(tmp_path):
    vcf = tmp_path / "dosages.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr1>\n"
                   '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
                   '##FORMAT=<ID=DS,Number=1,Type=Float,Description="Dosage">\n'
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\tb\tc\n"
                   "chr1\t10\tv1\tA\tG\t.\t.\t.\tGT:DS\t0/1:0.93\t1/1:1.991\t./.:.\n"
                   "chr1\t20\tv2\tC\tT,G\t.\t.\t.\tGT:DS\t0/1:1\t0/0:0\t0/0:0\n")
    cohort = read_genotypes(vcf, ["c", "a"], "DS")
    assert cohort.variants.ids == ["v1"] and cohort.skipped == {"multiallelic": ["v2"]}
    assert cohort.blocks[0].tolist() == [[-1, 46]]
    assert read_genotypes(vcf, ["b"], "GT").blocks[0].tolist() == [[100]]


def test_a_vcf_of_multiallelic_records_only_stops_with_the_advice_to_split_them(tmp_path):
    multiallelic = tmp_path / "multiallelic.vcf"
    with gzip.open(VCF, "rt") as source, open(multiallelic, "w") as out:
        for line in source:
            fields = line.split("\t")
            if not line.startswith("#") and "," not in fields[4]:
                fields[4] += "," + next(base for base in "ACGT" if base not in (fields[3], fields[4]))
            out.write("\t".join(fields))
    assert subprocess.run(["bcftools", "view", "-H", "-m", "3", multiallelic], capture_output=True, text=True,
                          check=True).stdout.count("\n") == 1000  # a valid VCF whose 1,000 records are multiallelic
    result = scan(tmp_path / "out", "--quiet", vcf=multiallelic, expect=2)
    assert error_line(result) == (f"genotools-associate scan: error: {multiallelic}: all 1000 records with an ALT "
                                  "allele are multiallelic, and multiallelic records are skipped; split them first: "
                                  f"bcftools norm -m - {multiallelic} -Oz -o split.vcf.gz")
    assert not (tmp_path / "out").exists()


def test_the_bundled_cohort_is_what_the_simulator_writes(tmp_path):
    for path in simulate_cohort(tmp_path, seed=1):
        assert path.read_bytes() == (TEST_DATA / path.name).read_bytes(), f"{path.name}: run make test-data"
        assert path.stat().st_size < 1_000_000


def test_simulated_cohorts_carry_linkage_disequilibrium_in_blocks_and_the_effects_asked_for(tmp_path):
    vcf, _, causal, _ = simulate_cohort(tmp_path, "ld", samples=500, variants=200, causal=4, seed=3, ld=0.9,
                                        effects="interaction")
    with pysam.VariantFile(str(vcf)) as records:
        dosage = np.array([[np.nan if None in call["GT"] else sum(call["GT"]) for call in record.samples.values()]
                           for record in records]).T
    r2 = [pd.Series(dosage[:, j]).corr(pd.Series(dosage[:, j + 1])) ** 2 for j in range(dosage.shape[1] - 1)]
    block_ends = np.arange(19, len(r2), 20)  # variant 20k - 1 and 20k lie in different blocks
    within = np.delete(np.arange(len(r2)), block_ends)
    assert np.nanmean(np.take(r2, within)) > 0.3 and np.nanmean(np.take(r2, block_ends)) < 0.05
    pairs = pd.read_csv(causal, sep="\t")
    assert [acts.removeprefix("with ") for acts in pairs.acts] == list(pairs.id[[1, 0, 3, 2]])
    with pytest.raises(ValueError, match="even number of causal variants"):
        simulate_cohort(tmp_path, "odd", samples=50, variants=100, causal=3, effects="interaction")
