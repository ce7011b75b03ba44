# Torchlight: the two set-up commands of the README, plus benchmarks and figures.
# Every target first installs whatever system packages are missing (scripts/setup.sh).
.PHONY: setup run test bench figures distributed clean

CHAPTER ?= tensors

setup:
	@bash scripts/setup.sh

## Build in release and run a chapter (default: the first one).
run: setup
	swift run -c release $(CHAPTER)

## Build and run the whole test suite.
test: setup
	swift test

## Chapter 15 at 1, 2 and 4 ranks (mpirun), then its figures (ARGS="--quick" for a short run).
distributed: setup
	bash scripts/distributed.sh $(ARGS)

## Speed figures, each against a reference measured in the same run (release build).
## PYTORCH=1 first sets up PyTorch (CPU) in .venv-pytorch for the chapter comparisons.
bench: setup
	PYTORCH=$(PYTORCH) bash scripts/bench.sh

## Re-run the chapters in release and refresh the figures committed under docs/figures/
## (CHAPTERS="cnn normalization" for some of them).
figures: setup
	bash scripts/figures.sh $(CHAPTERS)

clean:
	rm -rf .build out
