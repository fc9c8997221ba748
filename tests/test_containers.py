"""The container images, checked statically (no container engine runs here): every image a descriptor names is
one that containers/build.sh builds from a Dockerfile here, and the versions agree."""

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

from genotools import __version__
from genotools.wrappers.model import CPU_IMAGE, GPU_IMAGE

ROOT = Path(__file__).resolve().parent.parent
CONTAINERS = ROOT / "containers"
DOCKERFILES = {CPU_IMAGE: CONTAINERS / "Dockerfile", GPU_IMAGE: CONTAINERS / "Dockerfile.cuda"}


def pins():
    lines = [line for line in (CONTAINERS / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[\w.-]+==[\w.]+", line) for line in lines), "every requirement is pinned with =="
    return dict(line.split("==") for line in lines)


def test_build_sh_tags_each_dockerfile_with_the_image_name_and_version_of_the_descriptors():
    environment = {**os.environ, "DOCKER": "echo", "PYTHON": sys.executable}
    result = subprocess.run([str(CONTAINERS / "build.sh")], env=environment, capture_output=True, text=True,
                            check=True)
    builds = [line.split() for line in result.stdout.splitlines()]
    assert {(words[words.index("-f") + 1], words[words.index("-t") + 1]) for words in builds} == \
        {(str(path.relative_to(ROOT)), image) for image, path in DOCKERFILES.items()}
    assert all(f"VERSION={__version__}" in words for words in builds)
    assert CPU_IMAGE.endswith(f":{__version__}") and GPU_IMAGE.startswith(CPU_IMAGE)


def test_every_image_a_descriptor_names_is_built_here():
    repository = CPU_IMAGE.rsplit(":", 1)[0]
    named = {}
    for platform in ("galaxy", "cwl", "nextflow"):
        for path in (ROOT / platform).rglob("*"):
            if path.is_file():
                for image in re.findall(re.escape(repository) + r":[^\s'\"<>]+", path.read_text()):
                    named.setdefault(image, path.relative_to(ROOT))
    assert named, "the descriptors name the genotools images"
    unbuilt = {image: str(path) for image, path in named.items() if image not in DOCKERFILES}
    assert not unbuilt, f"images named but not built by containers/build.sh: {unbuilt}"


def test_both_images_install_the_same_pinned_requirements_and_this_source():
    for dockerfile in DOCKERFILES.values():
        text = dockerfile.read_text()
        assert "COPY containers/requirements.txt /tmp/requirements.txt" in text
        assert "pip install --no-cache-dir -r /tmp/requirements.txt" in text
        for source in re.findall(r"^COPY (.+) \S+$", text, re.M):
            assert all((ROOT / part).exists() for part in source.split()), f"{dockerfile.name}: COPY {source}"


def test_the_pins_satisfy_what_genotools_requires():
    pinned = pins()
    for text in importlib.metadata.requires("genotools"):
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = requirement.name.lower()
        assert name in pinned, f"{name} is not pinned in containers/requirements.txt"
        assert requirement.specifier.contains(pinned[name]), f"{name}=={pinned[name]} does not satisfy {requirement}"


def test_the_images_get_the_torch_that_make_installs():
    makefile = (ROOT / "Makefile").read_text()
    assert f"torch=={pins()['torch']}" in makefile


def test_the_pipeline_declares_this_version():
    config = (ROOT / "nextflow" / "nextflow.config").read_text()
    assert re.search(rf"^\s*version\s*=\s*'{re.escape(__version__)}'$", config, re.M)
