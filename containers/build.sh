#!/bin/sh
# Build the CPU and CUDA images under the names every descriptor refers to (genotools/wrappers/model.py),
# from the repository root:  containers/build.sh    (DOCKER=podman containers/build.sh to use podman)
set -eu
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
version=$("$python" -c 'import genotools; print(genotools.__version__)')
cpu=$("$python" -c 'from genotools.wrappers.model import CPU_IMAGE; print(CPU_IMAGE)')
gpu=$("$python" -c 'from genotools.wrappers.model import GPU_IMAGE; print(GPU_IMAGE)')
${DOCKER:-docker} build --build-arg VERSION="$version" -f containers/Dockerfile -t "$cpu" .
${DOCKER:-docker} build --build-arg VERSION="$version" -f containers/Dockerfile.cuda -t "$gpu" .
