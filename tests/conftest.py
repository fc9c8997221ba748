import re
import shutil
import subprocess
import sys

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
    run_tool("train", "--data", encoded, "--output", out, "--epochs", 4, "--device", "cpu", *SMALL_MODEL)
    return out


# What pip says when it cannot reach the package index, as opposed to any other failure.
UNREACHABLE = re.compile(r"NewConnectionError|Network is unreachable|Temporary failure in name resolution|"
                         r"Name or service not known|ConnectTimeout|ProxyError|Max retries exceeded")


@pytest.fixture(scope="session")
def spliceai_wheel(tmp_path_factory):
    """SpliceAI's wheel, downloaded from PyPI (its weights' licence, CC BY-NC 4.0, keeps them out of the
    repository); the tests that need it are skipped where the package index cannot be reached."""
    folder = tmp_path_factory.mktemp("spliceai")
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--retries", "1",
                             "--timeout", "60", "--dest", str(folder), "spliceai==1.3.1"], capture_output=True,
                            text=True)
    if result.returncode != 0 and UNREACHABLE.search(result.stdout + result.stderr):
        pytest.skip(f"the package index is unreachable: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stderr
    return next(folder.glob("*.whl"))


@pytest.fixture(scope="session")
def imported(spliceai_wheel, tmp_path_factory):
    """(the model file that genotools-import-model writes from SpliceAI's wheel, the tool's message)."""
    output = tmp_path_factory.mktemp("imported") / "spliceai.safetensors"
    result = run_tool("import-model", "--source", "spliceai", "--weights", spliceai_wheel, "--output", output)
    return output, result.stderr
