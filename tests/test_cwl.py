"""The CWL descriptors run for real: cwltool validates them, cwltest runs every spec test with cwltool, and the
workflow runs under cwltool and under Toil, on test-data, with the genotools executables of this environment."""

import gzip
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import h5py
import pytest
import yaml

from genotools import __version__
from genotools.tools.wrappers import ROOT, tools
from genotools.wrappers import cwl
from genotools.wrappers.model import CPU_IMAGE, DISTRIBUTION, GPU_IMAGE

CWL = ROOT / "cwl"
TEST_DATA = ROOT / "test-data"
WORKFLOW = CWL / "workflows" / "encode-train-predict.cwl"
SCATTERED = CWL / "workflows" / "score-variants-scattered.cwl"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def run(*command, cwd=CWL, tmp_path=None):
    env = {**ENV, "TMPDIR": str(tmp_path)} if tmp_path else ENV
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True)


def cwltest(test_file, tmp_path, jobs=1):
    """Run a cwltest file with cwltool; {test id: output object}. Outputs stay in tmp_path (cwltest's TMPDIR)."""
    report = tmp_path / "junit.xml"
    # The timeout only catches a hang: a shared CI machine can be several times slower than a quiet one.
    result = run(BIN / "cwltest", "--test", test_file, "--tool", BIN / "cwltool", "-j", jobs, "--timeout", 900,
                 "--junit-xml", report, "--", "--no-container", cwd=test_file.parent,
                 tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return {case.get("file"): json.loads(case.find("system-out").text)
            for case in ElementTree.parse(report).iter("testcase")}


def check(path, expectations):
    """The output expectations of a spec test (the ones Galaxy and Nextflow check too)."""
    for kind, value in expectations.items():
        if kind == "has_text":
            assert value in Path(path).read_text(), f"{path} lacks {value!r}"
        elif kind == "count":
            assert len(list(Path(path).iterdir())) == value, path
        elif kind == "min_size":
            assert Path(path).stat().st_size >= value, path
        elif kind == "h5_keys":
            with h5py.File(path) as h5:
                assert set(value) <= set(h5), f"{path} lacks {set(value) - set(h5)}"
        else:
            raise AssertionError(f"tests/test_cwl.py does not know the expectation {kind!r}")


def descriptors():
    return sorted(path for path in cwl.render(tools()) if path.endswith(".cwl"))


@pytest.mark.parametrize("path", [*descriptors(), str(WORKFLOW.relative_to(ROOT))])
def test_cwltool_validates_every_descriptor_without_warnings(path):
    # The GPU variants' cwltool:CUDARequirement is a cwltool extension, which cwltool loads with --enable-ext.
    extensions = ["--enable-ext"] if "/gpu/" in path else []
    result = run(BIN / "cwltool", "--validate", *extensions, ROOT / path)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr


def test_the_gpu_variants_differ_from_the_cpu_descriptors_only_in_what_the_gpu_needs():
    gpu_tools = [tool for tool in tools() if tool.gpu]
    assert gpu_tools
    for tool in gpu_tools:
        cpu = yaml.safe_load((CWL / f"{tool.name}.cwl").read_text())
        gpu = yaml.safe_load((CWL / "gpu" / f"{tool.name}.cwl").read_text())
        # A hint, so that a runner without the extension still runs the variant (--device auto: on the CPU).
        cuda = gpu["hints"].pop("cwltool:CUDARequirement")
        assert GPU_IMAGE.endswith(f"-cuda{cuda['cudaVersionMin']}"), "the CUDA version the image is built for"
        assert cuda["cudaDeviceCountMin"] == cuda["cudaDeviceCountMax"] == 1
        assert gpu["$namespaces"].pop("cwltool") == "http://commonwl.org/cwltool#"
        assert gpu["hints"].pop("DockerRequirement") == {"dockerPull": GPU_IMAGE}
        assert cpu["hints"].pop("DockerRequirement") == {"dockerPull": CPU_IMAGE}
        gpu["arguments"].remove({"prefix": "--device", "valueFrom": "auto"})
        cpu["arguments"].remove({"prefix": "--device", "valueFrom": "cpu"})
        for descriptor in (cpu, gpu):
            del descriptor["label"], descriptor["doc"]
        assert cpu == gpu


def test_every_descriptor_names_the_pinned_package_on_bioconda_and_pypi():
    for path in descriptors():
        hints = yaml.safe_load((ROOT / path).read_text())["hints"]
        package = hints["SoftwareRequirement"]["packages"]
        assert package == {DISTRIBUTION: {"version": [__version__], "specs": [
            f"https://anaconda.org/bioconda/{DISTRIBUTION}", f"https://pypi.org/project/{DISTRIBUTION}/"]}}, path


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU is present")
def test_cwltool_holds_a_gpu_variant_to_a_gpu_which_is_why_the_cpu_descriptors_have_none():
    """cwltool honours cwltool:CUDARequirement even as a hint: where there is no GPU it stops before running."""
    result = run(BIN / "cwltool", "--enable-ext", "--no-container", CWL / "gpu" / "predict.cwl",
                 CWL / "jobs" / "predict-dataset.yml")
    assert result.returncode != 0
    assert "Could not satisfy CUDARequirement" in result.stderr, result.stderr


def test_a_reference_without_its_fai_is_refused_before_the_tool_runs(tmp_path):
    """A container mounts inputs read-only, where the tool cannot build the index beside the FASTA."""
    shutil.copy(TEST_DATA / "genome.fa", tmp_path)
    job = {"reference": {"class": "File", "path": str(tmp_path / "genome.fa"), "format": f"{cwl.EDAM}format_1929"},
           "regions": {"class": "File", "path": str(TEST_DATA / "regions_small.bed"),
                       "format": f"{cwl.EDAM}format_3003"}}
    (tmp_path / "job.yml").write_text(yaml.safe_dump(job))
    result = run(BIN / "cwltool", "--no-container", "--outdir", tmp_path / "out", CWL / "encode.cwl",
                 tmp_path / "job.yml", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Missing required secondary file 'genome.fa.fai'" in result.stderr, result.stderr
    assert not (tmp_path / "genome.fa.fai").exists() and not (tmp_path / "out").exists()


def test_scattered_runs_write_outputs_named_after_their_inputs_or_the_prefix_given(tmp_path):
    shutil.copy(TEST_DATA / "regions_small.bed", tmp_path / "second.bed")
    bed = {"format": f"{cwl.EDAM}format_3003"}
    workflow = {
        "cwlVersion": "v1.2", "class": "Workflow", "requirements": {"ScatterFeatureRequirement": {}},
        "inputs": {"reference": {"type": "File", "secondaryFiles": [".fai"]}, "regions": "File[]", "one": "File"},
        "steps": {
            "scattered": {"run": str(CWL / "encode.cwl"), "scatter": "regions",
                          "in": {"reference": "reference", "regions": "regions"}, "out": ["output"]},
            "named": {"run": str(CWL / "encode.cwl"),
                      "in": {"reference": "reference", "regions": "one", "prefix": {"default": "chosen"}},
                      "out": ["output"]}},
        "outputs": {"scattered": {"type": "File[]", "outputSource": "scattered/output"},
                    "named": {"type": "File", "outputSource": "named/output"}}}
    job = {"reference": {"class": "File", "path": str(TEST_DATA / "genome.fa"), "format": f"{cwl.EDAM}format_1929"},
           "regions": [{"class": "File", "path": str(TEST_DATA / "regions_small.bed"), **bed},
                       {"class": "File", "path": str(tmp_path / "second.bed"), **bed}],
           "one": {"class": "File", "path": str(tmp_path / "second.bed"), **bed}}
    (tmp_path / "scatter.cwl").write_text(yaml.safe_dump(workflow))
    (tmp_path / "job.yml").write_text(yaml.safe_dump(job))
    result = run(BIN / "cwltool", "--no-container", "--outdir", tmp_path / "out", tmp_path / "scatter.cwl",
                 tmp_path / "job.yml", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-5000:]
    outputs = json.loads(result.stdout)
    assert [output["basename"] for output in outputs["scattered"]] == ["regions_small.h5", "second.h5"]
    assert outputs["named"]["basename"] == "chosen.h5"
    for output in [*outputs["scattered"], outputs["named"]]:
        check(output["path"], {"h5_keys": ["onehot"]})


def test_a_repeated_file_input_gives_each_file_after_its_option_in_order(tmp_path):
    """--omics of drug-response-predict through cwltool, with a stand-in command that writes its arguments."""
    stand_in = tmp_path / "bin" / "genotools-drug-response"
    stand_in.parent.mkdir()
    stand_in.write_text("#!/bin/sh\nprintf '%s\\n' \"$@\" > arguments.txt\n"
                        "while [ $# -gt 0 ]; do [ \"$1\" = --output ] && cp arguments.txt \"$2\"; shift; done\n")
    stand_in.chmod(0o755)
    for name in ("model.safetensors", "mutations.tsv", "expression.tsv", "drugs.tsv"):
        (tmp_path / name).write_text("")
    tabular = {"format": "http://edamontology.org/format_3475"}
    job = {"model": {"class": "File", "path": "model.safetensors", "format": "http://edamontology.org/format_2333"},
           "omics": [{"class": "File", "path": "mutations.tsv", **tabular},
                     {"class": "File", "path": "expression.tsv", **tabular}],
           "drugs": {"class": "File", "path": "drugs.tsv", **tabular}}
    (tmp_path / "job.yml").write_text(yaml.safe_dump(job))
    environment = {**ENV, "PATH": f"{stand_in.parent}{os.pathsep}{ENV['PATH']}", "TMPDIR": str(tmp_path)}
    result = subprocess.run([BIN / "cwltool", "--no-container", "--outdir", tmp_path / "out",
                             CWL / "drug-response-predict.cwl", tmp_path / "job.yml"], cwd=tmp_path,
                            env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)["output"]
    assert output["basename"] == "mutations.tsv", "named after the first --omics"
    arguments = Path(output["path"]).read_text().split("\n")
    assert arguments[0] == "predict"
    given = [Path(arguments[i + 1]).name for i, word in enumerate(arguments) if word == "--omics"]
    assert given == ["mutations.tsv", "expression.tsv"]


def test_cwltest_runs_every_spec_test_with_cwltool(tmp_path):
    outputs = cwltest(CWL / "tests.yml", tmp_path, jobs=2)
    expected = {cwl.job_name(tool, test): (tool, test) for tool in tools() for test in tool.tests}
    assert set(outputs) == set(expected)
    for name, (_, test) in expected.items():
        for output, expectations in test["outputs"].items():
            check(outputs[name][output]["path"], expectations)


def scored_in_one_run(tmp_path):
    """(VCF text, TSV text) of genotools-score-variants over the bundled variants, as the scattered workflow runs it."""
    result = run(BIN / "genotools-score-variants", "--model", TEST_DATA / "small.safetensors", "--reference",
                 TEST_DATA / "genome.fa", "--vcf", TEST_DATA / "variants.vcf.gz", "--output", tmp_path / "one.vcf.gz",
                 "--tsv", tmp_path / "one.tsv", "--device", "cpu", "--quiet", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    return gzip.decompress((tmp_path / "one.vcf.gz").read_bytes()), (tmp_path / "one.tsv").read_text()


def test_the_workflows_run_under_cwltool(tmp_path):
    outputs = cwltest(WORKFLOW.parent / "tests.yml", tmp_path)
    check(outputs["encode-train-predict"]["metrics"]["path"], {"has_text": "auroc"})
    check(outputs["encode-train-predict"]["predictions"]["path"], {"has_text": "ap1_bound"})
    scattered = outputs["score-variants-scattered"]
    vcf, tsv = scored_in_one_run(tmp_path)
    assert gzip.decompress(Path(scattered["scored"]["path"]).read_bytes()) == vcf  # header and records alike
    assert Path(scattered["tsv"]["path"]).read_text() == tsv


def test_variants_scored_region_by_region_under_toil_are_those_of_one_run(tmp_path):
    # chr2 in two halves: a record belongs to the region its POS lies in, so the halves neither lose nor repeat one
    regions = ["chr1", "chr2:1-45000", "chr2:45001-90000", *(f"chr{c}" for c in range(3, 10))]
    job = yaml.safe_load(SCATTERED.with_suffix(".job.yml").read_text())
    for name in ("model", "reference", "vcf"):
        job[name]["location"] = str((SCATTERED.parent / job[name]["location"]).resolve())
    (tmp_path / "job.yml").write_text(yaml.safe_dump({**job, "regions": regions}))
    result = run(BIN / "toil-cwl-runner", "--batchSystem", "single_machine", "--no-container", "--jobStore",
                 tmp_path / "jobstore", "--workDir", tmp_path, "--outdir", tmp_path / "out", SCATTERED,
                 tmp_path / "job.yml", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-5000:]
    outputs = json.loads(result.stdout)
    vcf, tsv = scored_in_one_run(tmp_path)
    assert gzip.decompress(Path(outputs["scored"]["path"]).read_bytes()) == vcf
    assert Path(outputs["tsv"]["path"]).read_text() == tsv
    assert Path(outputs["scored"]["secondaryFiles"][0]["path"]).name == "variants.vcf.gz.tbi"


def test_the_workflow_runs_under_toil(tmp_path):
    result = run(BIN / "toil-cwl-runner", "--batchSystem", "single_machine", "--no-container",
                 "--jobStore", tmp_path / "jobstore", "--workDir", tmp_path, "--outdir", tmp_path / "out",
                 WORKFLOW, WORKFLOW.with_name("encode-train-predict.job.yml"), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-5000:]
    outputs = json.loads(result.stdout)
    assert outputs["model"]["format"] == "http://edamontology.org/format_2333"
    check(outputs["model"]["path"], {"min_size": 1000})
    check(outputs["metrics"]["path"], {"has_text": "auroc"})
    check(outputs["predictions"]["path"], {"has_text": "ap1_bound"})
