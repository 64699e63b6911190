# Two commands do all of the set-up on a fresh Debian machine with Python 3.11:
#   make demo   environment + the whole workflow on the synthetic demo world (config/demo.yaml)
#   make test   environment + the whole test suite
# Both are idempotent: a second run skips what is already installed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= $(shell nproc 2>/dev/null || echo 2)
SNAKEMAKE := $(BIN)/snakemake
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONUNBUFFERED := 1

.PHONY: setup python-env binaries demo test test-cluster lint dryrun paper report clean

setup: python-env binaries

python-env: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' || \
	  { echo "Python >= 3.11 is needed (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Re-installs only when the pins in pyproject.toml change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
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

clean:
	rm -rf results logs .snakemake
