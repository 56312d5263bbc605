"""``python -m tensorjit [tour|info|warmup|cache|bench]``: a short tour of the engine, what is
installed, kernel warm-up, the kernel cache, or the benchmark table."""
import argparse
import sys


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m tensorjit",
        description="tensorjit: a PyTorch-style tensor engine whose operations run in Numba-compiled "
                    "kernels. With no command, runs the tour.")
    sub = p.add_subparsers(dest="command", metavar="{tour,info,warmup,cache,bench}")
    tour = sub.add_parser("tour", help="show views, promotion, NumPy sharing, the kernel cache and a "
                                       "timing comparison (the default)")
    tour.add_argument("--no-timing", action="store_true", help="skip the timing comparison")
    sub.add_parser("info", help="versions, threads, BLAS, CUDA devices and the kernel cache")
    warm = sub.add_parser("warmup", help="compile and cache the common kernels so first calls are fast")
    warm.add_argument("--dtype", action="append", metavar="DTYPE",
                      help="a dtype to warm up (repeatable; default float32, float64, int64)")
    warm.add_argument("--parallel", action="store_true", help="also compile the multi-threaded variants (slower)")
    cache = sub.add_parser("cache", help="the kernel cache: 'cache info' or 'cache clear'")
    cache.add_argument("action", choices=["info", "clear"])
    sub.add_parser("bench", add_help=False,
                   help="the full comparison with NumPy and PyTorch plus compile times "
                        "(as python benchmarks/report.py; see python -m tensorjit bench --help)")
    args, rest = p.parse_known_args(argv)
    if args.command == "bench":
        from . import _bench
        return _bench.main(rest, prog="python -m tensorjit bench")
    if rest:
        p.error("unrecognized arguments: " + " ".join(rest))
    if args.command in ("info", "warmup", "cache"):
        from . import _cli
        if args.command == "info":
            return _cli.info()
        if args.command == "cache":
            return _cli.cache(args.action)
        return _cli.warmup(tuple(args.dtype) if args.dtype else _cli.WARMUP_DTYPES, parallel=args.parallel)
    from . import _tour
    return _tour.run(timing=not getattr(args, "no_timing", False))


if __name__ == "__main__":
    sys.exit(main())
