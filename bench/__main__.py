"""`python -m bench [NAME…]`: run the benchmarks and print their figures."""

from __future__ import annotations

import sys

from bench import uncertainty

BENCHMARKS = {"uncertainty": uncertainty.main}


def main() -> None:
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        BENCHMARKS[name]()


if __name__ == "__main__":
    main()
