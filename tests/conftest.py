import shutil

import pytest
from helpers import SMALL_MODEL, TEST_DATA, run_tool


@pytest.fixture(scope="session")
def test_data(tmp_path_factory):
    """A copy of test-data/, so tests that build indexes or compress files never write into the repository."""
    target = tmp_path_factory.mktemp("test-data")
    for path in TEST_DATA.iterdir():
        shutil.copy(path, target)
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
