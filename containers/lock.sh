#!/bin/sh
# Lock the CUDA image's Python packages: containers/requirements-cuda.in -> containers/requirements-cuda.txt, every
# package pinned with == and the sha256 hashes of its files, for CPython 3.11 on x86_64 Linux (the image's base,
# python:3.11-slim) whatever machine runs this, and within the pins of the CPU image (containers/requirements.txt,
# so that both images run the same versions). containers/Dockerfile.cuda installs the result with
# `pip install --require-hashes --no-deps`.
#
#   containers/lock.sh                  the whole lock. Needs https://download.pytorch.org/whl/cu126 (torch
#                                       2.13.0+cu126 and the nvidia-*-cu12 and triton wheels it requires) and PyPI.
#   containers/lock.sh --without-torch  everything but torch and what only torch pulls, from PyPI alone: for a
#                                       machine that cannot reach download.pytorch.org. The image cannot be built
#                                       from that lock (Dockerfile.cuda stops, naming this script); run the whole
#                                       lock where the PyTorch index can be reached.
#
# Needs uv (pip install uv; UV=/path/to/uv to choose one).
set -eu
cd "$(dirname "$0")"
partial=
case "${1:-}" in
    "") ;;
    --without-torch)
        partial=1 ;;
    *) echo "usage: containers/lock.sh [--without-torch]" >&2; exit 2 ;;
esac
uv=${UV:-uv}
if ! command -v "$uv" >/dev/null 2>&1; then
    echo "containers/lock.sh: needs uv ('pip install uv', or UV=/path/to/uv)" >&2
    exit 1
fi
torch_index=https://download.pytorch.org/whl/cu126

indexes="--index-url https://pypi.org/simple"
[ -n "$partial" ] || indexes="--index-url $torch_index --extra-index-url https://pypi.org/simple"
# unsafe-best-match: torch's local version +cu126 is only on the PyTorch index, and PyPI has versions of the other
# packages that the PyTorch index's copies lack; each version's hashes are those of the index it comes from.
# shellcheck disable=SC2086
if ! if [ -n "$partial" ]; then grep -v '^torch==' requirements-cuda.in; else cat requirements-cuda.in; fi |
        "$uv" pip compile - --constraint requirements.txt --generate-hashes --emit-index-url \
        --python-version 3.11 --python-platform x86_64-manylinux_2_28 $indexes --index-strategy unsafe-best-match \
        --no-header --quiet --output-file requirements-cuda.txt.new; then
    rm -f requirements-cuda.txt.new
    [ -n "$partial" ] || echo "containers/lock.sh: could not lock $(grep '^torch==' requirements-cuda.in): is" \
        "$torch_index reachable, and does it hold that torch for CPython 3.11 on x86_64 Linux?" >&2
    exit 1
fi
{
    echo "# The CUDA image's Python packages, locked by containers/lock.sh${partial:+ --without-torch} from containers/requirements-cuda.in."
    echo "# Do not edit: change requirements-cuda.in (or requirements.txt) and run containers/lock.sh."
    if [ -n "$partial" ]; then
        echo "# PARTIAL: $(grep '^torch==' requirements-cuda.in) and the wheels only it requires (nvidia-*-cu12, triton, ...) are not locked,"
        echo "# as $torch_index could not be reached here; run containers/lock.sh where it can be."
    fi
    cat requirements-cuda.txt.new
} >requirements-cuda.txt
rm -f requirements-cuda.txt.new
torch=$(grep '^torch==' requirements-cuda.in)
if [ -z "$partial" ] && ! grep -q "^$torch " requirements-cuda.txt; then
    echo "containers/lock.sh: requirements-cuda.txt has no $torch" >&2
    exit 1
fi
echo "containers/requirements-cuda.txt: $(grep -c '^[a-z0-9]' requirements-cuda.txt) packages locked" >&2
