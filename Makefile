# Two commands do all of the set-up on a fresh Debian machine with Python 3.11:
#   make demo   environment + the whole workflow on the synthetic demo world (config/demo.yaml)
#   make test   environment + the whole test suite
#   make setup GPU=1   the environment with the CUDA build of TensorFlow (a workstation with an NVIDIA GPU)
# Both are idempotent: a second run skips what is already installed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= $(shell nproc 2>/dev/null || echo 2)
# GPU=1 (a workstation with an NVIDIA GPU and its driver): the CUDA build of TensorFlow, the pyproject extra
# `gpu`, instead of tensorflow-cpu (extra `cpu`: the demo, the tests, CI). Only one of them is installed.
GPU ?= 0
TF_EXTRA := $(if $(filter 1 yes true,$(GPU)),gpu,cpu)
TF_OTHER := $(if $(filter gpu,$(TF_EXTRA)),tensorflow-cpu,tensorflow)
STAMP := $(VENV)/.installed-$(TF_EXTRA)
SNAKEMAKE := $(BIN)/snakemake
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONUNBUFFERED := 1

.PHONY: setup python-env binaries demo test test-cluster lint dryrun paper report config-readme clean

setup: python-env binaries

python-env: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' || \
	  { echo "Python >= 3.11 is needed (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Re-installs only when the pins in pyproject.toml or the TensorFlow build (GPU=) change. The other build is
# removed first: tensorflow-cpu and tensorflow both provide the `tensorflow` module.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	@if $(BIN)/python -m pip show --quiet $(TF_OTHER) >/dev/null 2>&1; then \
	  echo "Removing $(TF_OTHER) (switching to the $(TF_EXTRA) build of TensorFlow)"; \
	  $(BIN)/python -m pip uninstall --quiet --yes $(TF_OTHER); fi
	$(BIN)/python -m pip install --quiet -e ".[dev,$(TF_EXTRA)]"
	rm -f $(VENV)/.installed-*
	touch $@

# bedtools (for pybedtools), samtools and bgzip/tabix: Debian packages.
binaries:
	@missing=""; for tool in bedtools samtools bgzip tabix; do \
	  command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing bedtools, samtools, tabix with apt-get (missing:$$missing)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bedtools samtools tabix >/dev/null; \
	  else \
	    echo "Missing binaries:$$missing. Install them, e.g. 'sudo apt-get install bedtools samtools tabix'"; \
	    echo "or 'conda install -c bioconda -c conda-forge bedtools samtools htslib', then rerun."; exit 1; \
	  fi; \
	fi

demo: setup
	$(SNAKEMAKE) --configfile config/demo.yaml --cores $(CORES) --printshellcmds --show-failed-logs

test: setup
	$(BIN)/python -m pytest

# The tiny config through profiles/slurm on a real single-node Slurm installed and started here (root only;
# skips otherwise), compared with a local run; every daemon is stopped on exit. See README, "Cluster test".
test-cluster: setup
	VENV=$(VENV) tests/cluster/run.sh

lint: setup
	$(SNAKEMAKE) --lint --configfile config/demo.yaml
	$(BIN)/snakefmt --check workflow

dryrun: setup
	$(SNAKEMAKE) -n --configfile config/config.yaml --quiet rules

paper: setup
	$(SNAKEMAKE) --configfile config/config.yaml --cores $(CORES) --resources downloads=4

report: setup
	$(SNAKEMAKE) --configfile config/demo.yaml --report results/report.zip

# config/README.md from the schema (a test fails while they disagree).
config-readme: setup
	$(BIN)/python tests/test_catalog.py

clean:
	rm -rf results logs .snakemake
