#!/bin/sh
# Build and smoke-test the images under the names every descriptor refers to (genotools/wrappers/model.py):
#   CPU_IMAGE  quay.io/biocontainers/genotools-dl:<version>--pyhdfd78af_0, from containers/Dockerfile: a local
#              stand-in for the image BioContainers publishes from the bioconda recipe (recipes/genotools-dl), so
#              that the descriptors run before that image exists, or against a change not yet released;
#   GPU_IMAGE  ghcr.io/genotools/genotools-dl:<version>-cuda12.6, from containers/Dockerfile.cuda (pushed to
#              ghcr.io by .github/workflows/containers.yml on a version tag).
# Each image must then run `genotools --version` and every tool's --help, and the CUDA image's PyTorch must be
# built for the CUDA version in its tag (it needs no GPU for that; with GPU_RUN_ARGS="--gpus all" it also
# multiplies two matrices on the GPU).
#
#   containers/build.sh [cpu] [gpu]     from anywhere; both images by default
#   DOCKER=podman containers/build.sh   another engine (default: docker)
set -eu
cd "$(dirname "$0")/.."
engine=${DOCKER:-docker}
if ! command -v "$engine" >/dev/null 2>&1; then
    echo "containers/build.sh: no container engine: '$engine' is not on PATH. Install Docker or Podman" \
        "(DOCKER=podman containers/build.sh), or let CI build the images (.github/workflows/containers.yml)." >&2
    exit 1
fi
python=${PYTHON:-}
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
# genotools/wrappers/model.py needs only PyYAML; tools/__init__.py imports nothing.
names=$("$python" -c 'import runpy
from genotools import __version__
from genotools.wrappers.model import CPU_IMAGE, GPU_IMAGE
print(__version__, CPU_IMAGE, GPU_IMAGE, " ".join(runpy.run_path("tools/__init__.py")["TOOLS"]))')
[ $# -gt 0 ] || set -- cpu gpu
version=$(echo "$names" | cut -d' ' -f1)
cpu=$(echo "$names" | cut -d' ' -f2)
gpu=$(echo "$names" | cut -d' ' -f3)
tools=$(echo "$names" | cut -d' ' -f4-)
cuda=${gpu##*-cuda}

smoke() {  # image: genotools --version, and every tool's --help, in one container
    # shellcheck disable=SC2016
    if ! "$engine" run --rm "$1" sh -c 'genotools --version && for tool in "$@"; do
            genotools-$tool --help >/dev/null || { echo "genotools-$tool --help failed" >&2; exit 1; }; done' \
            sh $tools; then
        echo "containers/build.sh: $1 failed its smoke test" >&2
        exit 1
    fi
}

for image in "$@"; do
    case $image in
    cpu)
        "$engine" build --build-arg VERSION="$version" -f containers/Dockerfile -t "$cpu" .
        smoke "$cpu" ;;
    gpu)
        "$engine" build --build-arg VERSION="$version" -f containers/Dockerfile.cuda -t "$gpu" .
        smoke "$gpu"
        built=$("$engine" run --rm "$gpu" python -c 'import torch; print(torch.version.cuda)')
        if [ "$built" != "$cuda" ]; then
            echo "containers/build.sh: $gpu has PyTorch built for CUDA '$built', its tag says $cuda" >&2
            exit 1
        fi
        if [ -n "${GPU_RUN_ARGS:-}" ]; then
            # shellcheck disable=SC2086
            "$engine" run --rm $GPU_RUN_ARGS "$gpu" python -c 'import torch
x = torch.ones(256, 256, device="cuda"); assert (x @ x).sum().item() == 256 ** 3; print(torch.cuda.get_device_name())'
        fi ;;
    *)
        echo "usage: containers/build.sh [cpu] [gpu]" >&2
        exit 2 ;;
    esac
    echo "containers/build.sh: built and smoke-tested $image image $([ "$image" = cpu ] && echo "$cpu" || echo "$gpu")" >&2
done
