"""The container images, checked without a container engine (none runs here): every image a descriptor names is one
that containers/build.sh builds and smoke-tests (run through a stand-in engine), the CUDA image installs only the
hash-locked containers/requirements-cuda.txt, that lock pins PyTorch's CUDA build of the image's tag, and CI builds
both images and pushes the CUDA one on a version tag."""

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from genotools import __version__
from genotools.tools import TOOLS
from genotools.wrappers.model import CPU_IMAGE, DISTRIBUTION, GPU_IMAGE

ROOT = Path(__file__).resolve().parent.parent
CONTAINERS = ROOT / "containers"
LOCK = CONTAINERS / "requirements-cuda.txt"
DOCKERFILES = {CPU_IMAGE: CONTAINERS / "Dockerfile", GPU_IMAGE: CONTAINERS / "Dockerfile.cuda"}
TORCH_INDEX = "https://download.pytorch.org/whl/cu126"
# A lock made by `containers/lock.sh --without-torch`, where the PyTorch index cannot be reached, says so.
PARTIAL = "# PARTIAL:" in LOCK.read_text()


def pins():
    """containers/requirements.txt, the CPU image's pins: {name: version}."""
    lines = [line for line in (CONTAINERS / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[\w.-]+==[\w.]+", line) for line in lines), "every requirement is pinned with =="
    return dict(line.split("==") for line in lines)


def parse_lock(text):
    """A pip requirements file with hashes (uv pip compile --generate-hashes): (options, {name: version},
    {name: [hashes]}, {name: [what it is required by]}). Fails on a line that is not an option, a comment or
    `name==version` followed by its hashes."""
    options, versions, hashes, via = [], {}, {}, {}
    current = None
    for line in re.sub(r"\s*\\\n\s*", " ", text).splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            parent = stripped.lstrip("#").strip()
            if current and line.startswith(" ") and parent and parent != "via":
                via[current].append(parent.removeprefix("via").strip())
            continue
        if stripped.startswith("--") and " --hash" not in stripped:
            options.append(stripped)
            current = None
            continue
        match = re.fullmatch(r"([A-Za-z0-9][\w.-]*)==(\S+)((?: --hash=sha256:[0-9a-f]{64})+)", stripped)
        assert match, f"{LOCK.name}: not pinned with == and sha256 hashes: {stripped[:120]}"
        current = match[1].lower()
        assert current not in versions, f"{LOCK.name}: {current} is locked twice"
        versions[current] = match[2]
        hashes[current] = re.findall(r"sha256:(\w+)", match[3])
        via[current] = []
    return options, versions, hashes, via


def requirements_of_the_distribution():
    requirements = [Requirement(text) for text in importlib.metadata.requires(DISTRIBUTION)]
    return {r.name.lower(): r for r in requirements if not r.marker or r.marker.evaluate({"extra": ""})}


def cuda_of_the_gpu_image():
    match = re.fullmatch(r".+:(?P<version>[^-]+)-cuda(?P<cuda>\d+\.\d+)", GPU_IMAGE)
    assert match and match["version"] == __version__, GPU_IMAGE
    return match["cuda"]


# containers/build.sh through a stand-in engine: `build` is logged; `run IMAGE COMMAND...` is logged and COMMAND runs
# here, with PATH holding only stub genotools commands (each logs its arguments and the image, and exits with the
# status given for it); `python -c` in the CUDA image prints the CUDA version given.
ENGINE = r"""#!{python}
import json, os, subprocess, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
if args[0] == "run":
    image, command = args[2], args[3:]
    if command[0] == "python":
        print(os.environ["FAKE_CUDA"])
        sys.exit(0)
    environment = dict(os.environ, PATH=os.environ["FAKE_BIN"] + ":/usr/bin:/bin", FAKE_IMAGE=image)
    sys.exit(subprocess.run(command, env=environment).returncode)
"""
STUB = """#!/bin/sh
echo "$FAKE_IMAGE $(basename "$0") $*" >> "$FAKE_LOG"
exit {status}
"""


def build_sh(tmp_path, *images, cuda="12.6", failing=()):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for command in ["genotools"] + [f"genotools-{tool}" for tool in TOOLS]:
        (bin_dir / command).write_text(STUB.format(status=1 if command in failing else 0))
        (bin_dir / command).chmod(0o755)
    engine = tmp_path / "engine"
    engine.write_text(ENGINE.format(python=sys.executable))
    engine.chmod(0o755)
    log = tmp_path / "log"
    environment = {**os.environ, "DOCKER": str(engine), "PYTHON": sys.executable, "FAKE_LOG": str(log),
                   "FAKE_BIN": str(bin_dir), "FAKE_CUDA": cuda}
    result = subprocess.run([str(CONTAINERS / "build.sh"), *images], env=environment, capture_output=True,
                            text=True)
    lines = log.read_text().splitlines() if log.exists() else []
    calls = [json.loads(line) for line in lines if line.startswith("[")]
    ran = [line.split() for line in lines if not line.startswith("[")]
    return result, calls, ran


def test_build_sh_builds_each_image_under_its_descriptor_name_and_smoke_tests_it(tmp_path):
    result, calls, ran = build_sh(tmp_path)
    assert result.returncode == 0, result.stderr
    builds = [words for words in calls if words[0] == "build"]
    assert [(words[words.index("-f") + 1], words[words.index("-t") + 1]) for words in builds] == \
        [(str(path.relative_to(ROOT)), image) for image, path in DOCKERFILES.items()]
    assert all(f"VERSION={__version__}" in words for words in builds)
    for image in DOCKERFILES:
        assert [image, "genotools", "--version"] in ran, f"genotools --version did not run in {image}"
        missing = [tool for tool in TOOLS if [image, f"genotools-{tool}", "--help"] not in ran]
        assert not missing, f"--help of {missing} did not run in {image}"
    cuda_checks = [words for words in calls if words[0] == "run" and "torch.version.cuda" in " ".join(words)]
    assert [words[2] for words in cuda_checks] == [GPU_IMAGE]


def test_build_sh_builds_the_image_asked_for(tmp_path):
    result, calls, _ = build_sh(tmp_path, "gpu")
    assert result.returncode == 0, result.stderr
    assert {words[-2] for words in calls if words[0] == "build"} == {GPU_IMAGE}


def test_build_sh_fails_when_a_tool_fails_in_the_image(tmp_path):
    result, calls, _ = build_sh(tmp_path, "cpu", failing=("genotools-qc",))
    assert result.returncode != 0
    assert "genotools-qc --help failed" in result.stderr and f"{CPU_IMAGE} failed its smoke test" in result.stderr


def test_build_sh_fails_when_the_cuda_image_has_pytorch_for_another_cuda(tmp_path):
    result, _, _ = build_sh(tmp_path, "gpu", cuda="12.4")
    assert result.returncode != 0
    assert f"CUDA '12.4', its tag says {cuda_of_the_gpu_image()}" in result.stderr


def test_build_sh_without_a_container_engine_says_so(tmp_path):
    environment = {**os.environ, "DOCKER": "no-such-engine", "PYTHON": sys.executable}
    result = subprocess.run([str(CONTAINERS / "build.sh")], env=environment, capture_output=True, text=True)
    assert result.returncode == 1
    assert "no container engine: 'no-such-engine' is not on PATH" in result.stderr


def test_every_image_a_descriptor_names_is_built_here():
    repositories = {image.rsplit(":", 1)[0] for image in DOCKERFILES}
    named = {}
    for platform in ("galaxy", "cwl", "nextflow"):
        for path in (ROOT / platform).rglob("*"):
            if path.is_file():
                for repository in repositories:
                    for image in re.findall(re.escape(repository) + r":[^\s'\"<>]+",
                                           path.read_text(errors="replace")):
                        named.setdefault(image, path.relative_to(ROOT))
    assert set(named) == set(DOCKERFILES), \
        f"the descriptors name {sorted(named)}; containers/build.sh builds {sorted(DOCKERFILES)}"


def copied(dockerfile):
    """The sources of each COPY of a Dockerfile."""
    return [source for line in re.findall(r"^COPY (.+) \S+$", dockerfile.read_text(), re.M) for source in line.split()]


@pytest.mark.parametrize("dockerfile", DOCKERFILES.values(), ids=lambda path: path.name)
def test_what_an_image_copies_exists_and_its_dockerignore_lets_through(dockerfile):
    ignore = Path(f"{dockerfile}.dockerignore").read_text().splitlines()
    kept = {line[1:] for line in ignore if line.startswith("!")}
    assert "*" in ignore
    for source in copied(dockerfile):
        assert (ROOT / source).exists(), f"{dockerfile.name}: COPY {source}"
        assert source in kept, f"{dockerfile.name} copies {source}, which its .dockerignore leaves out"


def test_the_cpu_image_installs_the_pinned_requirements_and_says_what_it_stands_in_for():
    text = DOCKERFILES[CPU_IMAGE].read_text()
    assert "containers/requirements.txt" in copied(DOCKERFILES[CPU_IMAGE])
    assert "pip install --no-cache-dir -r /tmp/requirements.txt" in text
    assert "stand-in" in text and "quay.io/biocontainers/genotools-dl" in text and "recipes/genotools-dl" in text


def test_the_cuda_image_installs_nothing_but_the_hashed_lock():
    dockerfile = DOCKERFILES[GPU_IMAGE]
    text = dockerfile.read_text()
    assert "containers/requirements-cuda.txt" in copied(dockerfile)
    installs = [words.split() for words in re.findall(r"pip install [^\\\n&]+", text)]
    assert installs == [["pip", "install", "--no-cache-dir", "--require-hashes", "--no-deps", "-r",
                         "/tmp/requirements-cuda.txt"],
                        ["pip", "install", "--no-cache-dir", "--no-deps", "--no-build-isolation", "/src"]]
    assert "pip check" in text
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M), "the lock is made for CPython 3.11 (lock.sh)"
    assert f"driver >= 560 (CUDA {cuda_of_the_gpu_image()})" in text


def test_the_gpu_lock_pins_every_package_with_hashes():
    options, versions, hashes, via = parse_lock(LOCK.read_text())
    assert len(versions) > 20
    assert all(hashes[name] for name in versions)
    assert all(option.split()[0] in ("--index-url", "--extra-index-url") for option in options), options
    # Whatever requires a locked package is locked too, or is one of the lock's inputs.
    unlocked = {parent for parents in via.values() for parent in parents
                if not parent.startswith(("-r ", "-c ")) and parent.lower() not in versions}
    assert not unlocked, f"required by packages that are not locked: {unlocked}"


def test_the_gpu_lock_input_is_what_genotools_requires_with_the_cuda_build_of_torch():
    lines = [line for line in (CONTAINERS / "requirements-cuda.in").read_text().splitlines()
             if line and not line.startswith("#")]
    wanted = {requirement.name.lower(): requirement for requirement in map(Requirement, lines)}
    required = requirements_of_the_distribution()
    assert set(wanted) == set(required)
    for name, requirement in wanted.items():
        if name != "torch":
            assert requirement.specifier == required[name].specifier, f"{requirement} in requirements-cuda.in"
    (torch,) = wanted["torch"].specifier
    version = Version(torch.version)
    assert torch.operator == "==" and required["torch"].specifier.contains(version.public)
    assert version.local == "cu" + cuda_of_the_gpu_image().replace(".", ""), f"{torch} is not the CUDA of {GPU_IMAGE}"
    assert version.public == pins()["torch"], "the CPU and CUDA images run one PyTorch release"


def test_the_gpu_lock_satisfies_what_genotools_requires_and_agrees_with_the_cpu_pins():
    _, versions, _, _ = parse_lock(LOCK.read_text())
    for name, requirement in requirements_of_the_distribution().items():
        if name == "torch" and PARTIAL:
            continue  # test_the_gpu_lock_has_pytorch_for_the_cuda_of_the_image_tag
        assert name in versions, f"{name} is not locked in {LOCK.name}"
        assert requirement.specifier.contains(Version(versions[name]).public), f"{name}=={versions[name]}"
    cpu = pins()
    differ = {name: (version, cpu[name]) for name, version in versions.items()
              if name in cpu and Version(version).public != cpu[name]}
    assert not differ, f"the images pin different versions (CUDA, CPU): {differ}"


@pytest.mark.xfail(PARTIAL, strict=True, reason="requirements-cuda.txt was locked with `lock.sh --without-torch`: "
                   f"{TORCH_INDEX} cannot be reached here; run containers/lock.sh where it can")
def test_the_gpu_lock_has_pytorch_for_the_cuda_of_the_image_tag():
    options, versions, _, via = parse_lock(LOCK.read_text())
    cuda = cuda_of_the_gpu_image()
    assert f"--extra-index-url {TORCH_INDEX}" in options or f"--index-url {TORCH_INDEX}" in options
    assert versions.get("torch") == f"{pins()['torch']}+cu{cuda.replace('.', '')}"
    runtime = versions.get("nvidia-cuda-runtime-cu12", "")
    assert runtime.startswith(f"{cuda}."), f"nvidia-cuda-runtime-cu12=={runtime} is not CUDA {cuda}"
    assert "torch" in via["nvidia-cuda-runtime-cu12"]
    # The image builds genotools without build isolation, with the locked setuptools.
    build_system = re.search(r"^requires = (\[.*\])$", (ROOT / "pyproject.toml").read_text(), re.M)[1]
    for requirement in map(Requirement, ast.literal_eval(build_system)):
        assert requirement.specifier.contains(versions.get(requirement.name, "0")), f"{requirement} is not locked"


def test_lock_sh_locks_for_the_image_python_and_refuses_a_lock_without_the_cuda_torch(tmp_path):
    """lock.sh run with a stand-in uv (the real one needs the PyTorch index): what it asks uv for, and its check."""
    copy = tmp_path / "containers"
    copy.mkdir()
    for name in ("lock.sh", "requirements-cuda.in", "requirements.txt"):
        shutil.copy2(CONTAINERS / name, copy)
    uv = tmp_path / "uv"
    uv.write_text('#!/bin/sh\necho "$@" > "$UV_ARGS"\nwhile [ "$1" != --output-file ]; do shift; done\n'
                  'printf "%s\\n" "$UV_LOCK" > "$2"\n')
    uv.chmod(0o755)
    locked = "torch==2.13.0+cu126 \\\n    --hash=sha256:" + "0" * 64
    for lock, status in ((locked, 0), ("numpy==2.4.6 \\\n    --hash=sha256:" + "0" * 64, 1)):
        environment = {**os.environ, "UV": str(uv), "UV_ARGS": str(tmp_path / "args"), "UV_LOCK": lock}
        result = subprocess.run([str(copy / "lock.sh")], env=environment, capture_output=True, text=True)
        assert result.returncode == status, result.stderr
    assert "has no torch==2.13.0+cu126" in result.stderr
    args = (tmp_path / "args").read_text().split()
    for option, value in [("--python-version", "3.11"), ("--python-platform", "x86_64-manylinux_2_28"),
                          ("--index-url", TORCH_INDEX), ("--extra-index-url", "https://pypi.org/simple"),
                          ("--constraint", "requirements.txt")]:
        assert args[args.index(option) + 1] == value, option
    assert "--generate-hashes" in args


def test_the_images_get_the_torch_that_make_installs():
    makefile = (ROOT / "Makefile").read_text()
    assert f"torch=={pins()['torch']}" in makefile


def test_ci_builds_both_images_and_pushes_the_cuda_one_on_a_version_tag():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "containers.yml").read_text())
    assert "v*" in workflow[True]["push"]["tags"]  # PyYAML reads the key `on` as True
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["image"] == ["cpu", "gpu"]
    assert job["permissions"]["packages"] == "write"
    steps = job["steps"]
    runs = [step.get("run", "") for step in steps]
    build = next(i for i, run in enumerate(runs) if "containers/build.sh ${{ matrix.image }}" in run)
    push = next(i for i, run in enumerate(runs) if "docker push" in run)
    assert build < push and "GPU_IMAGE" in runs[push]
    assert steps[push]["if"] == "matrix.image == 'gpu' && startsWith(github.ref, 'refs/tags/v')"
    login = next(i for i, step in enumerate(steps) if step.get("uses", "").startswith("docker/login-action"))
    assert build < login < push and steps[login]["with"]["registry"] == GPU_IMAGE.split("/")[0]


def test_the_pipeline_declares_this_version():
    config = (ROOT / "nextflow" / "nextflow.config").read_text()
    assert re.search(rf"^\s*version\s*=\s*'{re.escape(__version__)}'$", config, re.M)
