"""``python -m tensorjit [tour|bench]``: a short tour of the engine, or the benchmark table."""
import argparse
import sys


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m tensorjit",
        description="tensorjit: a PyTorch-style tensor engine whose operations run in Numba-compiled "
                    "kernels. With no command, runs the tour.")
    sub = p.add_subparsers(dest="command", metavar="{tour,bench}")
    tour = sub.add_parser("tour", help="show views, promotion, NumPy sharing, the kernel cache and a "
                                       "timing comparison (the default)")
    tour.add_argument("--no-timing", action="store_true", help="skip the timing comparison")
    sub.add_parser("bench", add_help=False,
                   help="the full comparison with NumPy and PyTorch plus compile times "
                        "(as python benchmarks/report.py; see python -m tensorjit bench --help)")
    args, rest = p.parse_known_args(argv)
    if args.command == "bench":
        from . import _bench
        return _bench.main(rest, prog="python -m tensorjit bench")
    if rest:
        p.error("unrecognized arguments: " + " ".join(rest))
    from . import _tour
    return _tour.run(timing=not getattr(args, "no_timing", False))


if __name__ == "__main__":
    sys.exit(main())
