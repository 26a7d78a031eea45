# The two commands of the README: `make run` (main job) and `make test` (tests, as CI).
.PHONY: run test lint format typecheck bench setup

run:
	scripts/run.sh

test:
	scripts/test.sh

setup:
	scripts/bootstrap.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

typecheck:
	.venv/bin/mypy

bench:
	.venv/bin/python benchmarks/bench_graph.py
