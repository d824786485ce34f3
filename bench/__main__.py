"""``python -m bench``: run every benchmark (currently the coverage benchmark)."""

from bench.coverage_bench import main

main()
