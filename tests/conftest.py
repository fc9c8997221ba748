import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SMALL_MODEL, TEST_DATA, run_tool


@pytest.fixture(scope="session")
def test_data(tmp_path_factory):
    """A copy of test-data/, so tests that build indexes or compress files never write into the repository."""
    target = tmp_path_factory.mktemp("test-data")
    shutil.copytree(TEST_DATA, target, dirs_exist_ok=True)  # the files, and the test model's folder
    return target


@pytest.fixture(scope="session")
def encoded(test_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("encoded") / "data.h5"
    run_tool("encode", "--reference", test_data / "genome.fa", "--regions", test_data / "regions.bed", "--output", out)
    return out


@pytest.fixture(scope="session")
def trained(encoded, tmp_path_factory):
    """A small model trained on the bundled data, shared by the prediction tests."""
    out = tmp_path_factory.mktemp("trained") / "model.safetensors"
    run_tool("train", "--data", encoded, "--output", out, "--epochs", 8, "--device", "cpu", *SMALL_MODEL)
    return out


# What pip says when it cannot reach the package index, as opposed to any other failure.
UNREACHABLE = re.compile(r"NewConnectionError|Network is unreachable|Temporary failure in name resolution|"
                         r"Name or service not known|ConnectTimeout|ProxyError|Max retries exceeded")


def downloaded_wheel(folder, requirement, sha256):
    """The wheel of `requirement`, downloaded from PyPI into `folder` and checked by its sha256; the test is skipped
    where the package index cannot be reached."""
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--retries", "1",
                             "--timeout", "60", "--dest", str(folder), requirement], capture_output=True, text=True)
    if result.returncode != 0 and UNREACHABLE.search(result.stdout + result.stderr):
        pytest.skip(f"the package index is unreachable: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stderr
    wheel = next(Path(folder).glob("*.whl"))
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == sha256, f"{wheel.name} is not the wheel expected"
    return wheel


@pytest.fixture(scope="session")
def spliceai_wheel(tmp_path_factory):
    """SpliceAI's wheel, downloaded from PyPI (its weights' licence, CC BY-NC 4.0, keeps them out of the
    repository)."""
    return downloaded_wheel(tmp_path_factory.mktemp("spliceai"), "spliceai==1.3.1",
                            "63c633b8de6803d4ffb613e6ef62f1a896fec9fc13245c0f000ff7adea279776")


@pytest.fixture(scope="session")
def cispliceai_wheel(tmp_path_factory):
    """CI-SpliceAI's wheel, downloaded from PyPI (its frozen graph, 16 MB, is not kept in the repository)."""
    return downloaded_wheel(tmp_path_factory.mktemp("cispliceai"), "cispliceai==1.2.2",
                            "def1db5358848a19533fd387e0620fc0df79784b9e6e1cba1a045ad6678e1da7")


@pytest.fixture(scope="session")
def imported(spliceai_wheel, tmp_path_factory):
    """(the model file that genotools-import-model writes from SpliceAI's wheel, the tool's message)."""
    output = tmp_path_factory.mktemp("imported") / "spliceai.safetensors"
    result = run_tool("import-model", "--source", "spliceai", "--weights", spliceai_wheel, "--output", output)
    return output, result.stderr
