import runpy
from pathlib import Path

from setuptools import find_packages, setup

tools = runpy.run_path("tools/__init__.py")
HOME = "https://github.com/genotools/genotools"

setup(
    # "genotools" on PyPI is another project's placeholder: the distribution is genotools-dl (DISTRIBUTION in
    # genotools/wrappers/model.py; bioconda's recipe in recipes/genotools-dl), the import package and the commands
    # are genotools.
    name="genotools-dl",
    version="0.1.0",
    description="Deep-learning tools for genomics for the command line, Galaxy, Nextflow and CWL",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    license_files=["LICENSE"],
    url=HOME,
    project_urls={"Source": HOME, "Issues": f"{HOME}/issues", "Documentation": f"{HOME}#readme"},
    python_requires=">=3.10",
    packages=find_packages(include=["genotools", "genotools.*"]) + ["genotools.tools"],
    package_dir={"genotools.tools": "tools"},
    install_requires=[
        "torch>=2.2",
        "numpy>=1.24",
        "pysam>=0.22",
        "pandas>=2.0",
        "typer>=0.12",
        "rich>=13",
        "h5py>=3.8",
        "safetensors>=0.4",
        "scikit-learn>=1.3",
        "scipy>=1.10",
        "matplotlib>=3.7",
        "logomaker>=0.8",
        "pyyaml>=6",
        "rdkit>=2026.9.1",
        "transformers>=4.46",  # protein language models (ESM-2, ESM-1v) for genotools-protein-impact
    ],
    # CT3: Cheetah, which renders a Galaxy tool's command; ruff: the linter `make test` runs first; jsonschema:
    # validates CITATION.cff and the nf-core modules against their schemas; build: makes the sdist that the
    # bioconda recipe installs
    extras_require={"test": ["pytest>=8", "statsmodels>=0.14", "cwltest>=2.7", "toil[cwl]>=9.6", "CT3>=3.3",
                             "ruff>=0.6", "jsonschema>=4.23", "build>=1.0"]},
    entry_points={
        "console_scripts": ["genotools=genotools.tools.main:app"]
        + [f"genotools-{tool}=genotools.tools.{tools['module_name'](tool)}:app" for tool in tools["TOOLS"]]
    },
)
