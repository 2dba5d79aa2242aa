"""The `rayga` command line: argument parsing and the one place user errors become one-line messages."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from rayga.errors import ConfigError, RaygaError, RaygaWarning

EXIT_USER_ERROR = 2
DEFAULT_STORE = os.environ.get("RAYGA_STORE", "rayga_store")


def _one_line_warnings() -> None:
    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        if issubclass(category, RaygaWarning):
            print(f"rayga: warning: {message}", file=sys.stderr)
        else:
            _default_show(message, category, filename, lineno, file, line)

    _default_show = warnings.showwarning
    warnings.showwarning = show
    warnings.simplefilter("default", RaygaWarning)


def _cmd_data_import(args: argparse.Namespace) -> int:
    from rayga.data.load import import_to_store

    report = import_to_store(args.paths, args.symbol, args.store, args.format, args.tz)
    for line in report.lines():
        print(line)
    print(f"store: {args.store}")
    return 0


def _cmd_data_info(args: argparse.Namespace) -> int:
    from rayga.data import store
    from rayga.data.gaps import summarize
    from rayga.errors import DataError

    if not store.is_store(args.store):
        raise DataError(f"{args.store}: not a bar store; create one with `rayga data import FILE --symbol SYM "
                        f"--store {args.store}`")
    for symbol in [args.symbol.upper()] if args.symbol else store.stored_symbols(args.store):
        bars = store.read(args.store, symbol)
        print(f"{symbol}:")
        for line in summarize(bars.time).lines():
            print(f"  {line}")
        for year in store.provenance(args.store, symbol):
            files = ", ".join(year.get("files", [])) or "unknown files"
            left = "; left out: " + ", ".join(year["left_out"]) if year.get("left_out") else ""
            print(f"  {year['year']}: from {files}; stamps read as {year.get('tz') or 'unknown'}, stored in UTC{left}")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rayga.config import load_config
    from rayga.runner import apply_sets, as_json, as_text, default_out_dir, run_backtest, write_deals, write_report

    config = apply_sets(load_config(args.config), args.set or [])
    run = run_backtest(config)
    out_dir = Path(args.out) if args.out else default_out_dir(config)
    deals_path = write_deals(run, out_dir)
    report = write_report(run, out_dir)
    for warning in run.warnings:
        print(f"rayga: warning: {warning}", file=sys.stderr)
    print(as_json(run, deals_path, report) if args.json else as_text(run, deals_path, report))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    import json

    if args.baseline:
        from rayga.bench_baseline import compare

        sizes = sorted(args.genomes)
        comparison = compare(args.baseline, args.source, args.start, args.end, genomes=sizes[0],
                             memory_genomes=sizes[-1], repeats=args.repeats)
        for line in comparison.lines():
            print(line)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(comparison.as_json(), fh, indent=2)
        return 0
    from rayga.bench import run_bench

    result = run_bench(args.source, args.start, args.end, sizes=tuple(args.genomes), vbt_sample=args.vectorbt,
                       reference_sample=args.reference, repeats=args.repeats)
    for line in result.lines():
        print(line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({**result.figures, "reference_mismatches": result.mismatches}, fh, indent=2)
    return 1 if result.mismatches else 0


def _cmd_optimize(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rayga.config import load_config
    from rayga.runner import apply_sets
    from rayga.tuning.driver import RunOptions, optimize_all

    config = apply_sets(load_config(args.config), args.set or [])
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be >= 1 (got {args.workers})")
    options = RunOptions(address=args.address, workers=args.workers, out=Path(args.out), fresh=args.fresh,
                         dashboard=args.dashboard, progress=not args.quiet)
    runs = optimize_all(config, options)
    for run in runs:
        _print_run(run, several=len(runs) > 1)
    return 0


def _cmd_walkforward(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rayga.config import load_config
    from rayga.runner import apply_sets
    from rayga.tuning.driver import RunOptions
    from rayga.tuning.walkforward import lines, walk_forward

    config = apply_sets(load_config(args.config), args.set or [])
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be >= 1 (got {args.workers})")
    options = RunOptions(address=args.address, workers=args.workers, out=Path(args.out), fresh=args.fresh,
                         dashboard=args.dashboard, progress=not args.quiet)
    for line in lines(walk_forward(config, options)):
        print(line)
    return 0


def _print_run(run, several: bool) -> None:  # noqa: ANN001 - a rayga.tuning.driver.TunedRun
    from rayga.config import CRITERIA
    from rayga.tuning.driver import top_table

    s = run.summary
    if several:
        print(f"== {s.get('variant', '')}")
    print(f"data: {s['data']}")
    if run.from_store:
        print(f"run {s['run_id']} finished earlier: answering from {run.path} (use --fresh to run it again)")
    else:
        t = s["tune_overhead"]
        print(f"{s['mode']} search: {s['passes']:,} passes in {s['wall_s']:.1f} s "
              f"(Ray start {s['ray_start_s']:.1f} s, {s['evaluators']} evaluators, "
              f"{s['passes'] / max(s['eval_s'], 1e-9):,.0f} passes/s while evaluating)")
        print(f"Tune: {t['per_batch_ms']:.0f} ms per generation ({t['per_generation_share_pct']:.1f} % of the search), "
              f"{t['startup_s']:.1f} s to start, {t['finish_s']:.1f} s to finish: {t['share_pct']:.1f} % in all")
    for warning in s.get("warnings", []):
        print(f"warning: {warning}")
    b = s["best"]
    print(f"best {s['criterion']}: {b['result']:.4f} at pass {b['pass']} with "
          + " ".join(f"{k}={v:g}" for k, v in b["params"].items()))
    if s.get("pareto_front"):
        front = run.results.set_index("pass").loc[[p["pass"] for p in s["pareto_front"]]].reset_index()
        metrics = [o.split()[1] for o in s["objectives"]]
        print(f"Pareto front over {', '.join(s['objectives'])}: {len(front)} passes")
        table = front[["pass", *metrics, *b["params"]]].sort_values(metrics[0], ascending=s["objectives"][0]
                                                                    .startswith("min"))
    else:
        table = top_table(run.results, list(b["params"]), CRITERIA[s["criterion"]][1])
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    if s.get("overfitting"):
        from rayga.reports.html import overfitting_lines

        for line in overfitting_lines(s["overfitting"]):
            print(line)
    print(f"results: {run.path / 'results.parquet'} ({len(run.results):,} passes), "
          f"summary: {run.path / 'summary.json'}")
    if (run.path / "report.html").is_file():
        print(f"report: {run.path / 'report.html'}")


def _cmd_status(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from rayga.errors import ConfigError
    from rayga.runs import SETTINGS, run_status

    root = Path(args.run_dir)
    if not root.is_dir():
        raise ConfigError(f"{root}: no such folder; give a run folder or the --out root of rayga optimize")
    folders = [root] if (root / SETTINGS).is_file() else sorted(p for p in root.iterdir() if (p / SETTINGS).is_file())
    if not folders:
        raise ConfigError(f"{root}: no rayga runs in this folder")
    for folder in folders:
        s = run_status(folder)
        when = dt.datetime.fromtimestamp(s["updated"]).strftime("%Y-%m-%d %H:%M:%S") if s["updated"] else "-"
        of = f" of ~{s['estimate']:,} estimated" if s.get("estimate") and s["state"] != "finished" else ""
        print(f"{s['run']}: {s['state']}; {s['mode']}, {s['passes']:,} passes{of} in {s['batches']} batches, "
              f"generation {s['generation']}, last update {when}")
        if "best" in s:
            b = s["best"]
            print(f"  best {s['criterion']} so far: {b['result']:.4f} at pass {b['pass']} with "
                  + " ".join(f"{k}={v:g}" for k, v in b["params"].items()))
    return 0


def _cmd_results(args: argparse.Namespace) -> int:
    from rayga.reports.run import open_run
    from rayga.reports.table import export, forward_view, select

    run = open_run(args.run_dir)
    name, _, maximize = run.criterion
    frame = forward_view(run.results) if args.forward else run.results
    table = select(frame, run.params, maximize, args.sort, True if args.asc else None, args.filter or [], args.top)
    for path in (args.csv, args.parquet):
        if path:
            print(f"wrote {export(table, path)} ({len(table):,} passes)")
    shown = table if args.top else table.head(20)
    what = f"{len(frame):,} passes re-run on the forward period" if args.forward else f"{len(frame):,} passes"
    print(f"{run.path.name}: {what}, {len(table):,} after filters; Result = {name}")
    print(shown.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    if len(shown) < len(table):
        print(f"... {len(table) - len(shown):,} more (--top N shows more; --csv FILE writes them all)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from rayga.reports.html import write_run_report
    from rayga.reports.run import open_run

    run = open_run(args.run_dir)
    passes = [p.strip() for item in args.passes or [] for p in item.split(",") if p.strip()]
    change = run.model_change()
    if change:
        print(f"rayga: warning: {run.path.name}: its passes come from {change}; the report shows its stored "
              f"results without equity curves (run its config again to see them)", file=sys.stderr)
    print(f"report: {write_run_report(run, passes, args.out)}")
    return 0


def _cmd_mt5_report(args: argparse.Namespace) -> int:
    from rayga.reports.compare import compare_report
    from rayga.reports.mt5_report import read_mt5_report

    report = read_mt5_report(args.path)
    table = compare_report(report)
    if args.json:
        print(table.to_json(orient="records", indent=2))
    else:
        s = report.settings
        print(f"{args.path}: {s.get('expert', '?')} {s.get('symbol', '?')} {s.get('period', '?')}, "
              f"{len(report.deals)} deal rows")
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    return 0 if table["agrees"].all() else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from rayga.demo import run_demo

    return run_demo(args.config)


def _ray_run_flags(p: argparse.ArgumentParser) -> None:
    """Flags of the commands that run optimizations on Ray."""
    p.add_argument("--address", metavar="auto|HOST:PORT", help="join this Ray cluster (default: start Ray here)")
    p.add_argument("--workers", type=int, metavar="N", help="evaluator actors (default: one per CPU of the cluster)")
    p.add_argument("--out", default="rayga_runs", metavar="DIR",
                   help="root of the run folders (default: rayga_runs); each run gets a folder named by its settings")
    p.add_argument("--fresh", action="store_true", help="discard this run's stored results and start over")
    p.add_argument("--dashboard", action="store_true", help="start the Ray dashboard (on 127.0.0.1)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    from rayga.data.readers import FORMATS

    parser = argparse.ArgumentParser(prog="rayga", description="MT5-style genetic optimization of trading "
                                     "strategies on M1 OHLC data, on Ray.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the default job on the embedded synthetic data (or CONFIG)")
    demo.add_argument("config", nargs="?", help="TOML config (default: embedded synthetic EURUSD-like data)")
    demo.set_defaults(func=_cmd_demo)

    bt = sub.add_parser("backtest", help="run one pass of a config and print its MT5 metrics")
    bt.add_argument("config", nargs="?", help="TOML config (default: embedded synthetic data, MA cross)")
    bt.add_argument("--set", action="append", metavar="NAME=VALUE",
                    help="override a strategy parameter (fast=12) or a config key (account.lots=10); repeatable")
    bt.add_argument("--json", action="store_true", help="print the result as JSON")
    bt.add_argument("--out", metavar="DIR", help="folder for deals.csv and report.html (default: rayga_runs/backtest-...)")
    bt.set_defaults(func=_cmd_backtest)

    bench = sub.add_parser("bench", help="measure passes/s, memory, compile time and the ratio to vectorbt")
    bench.add_argument("source", nargs="?", default="../shared/data/EURUSD",
                       help="EURUSD M1 bars: store, folder or file (default: ../shared/data/EURUSD)")
    bench.add_argument("--genomes", type=int, nargs="+", default=[1_000, 10_000], metavar="N")
    bench.add_argument("--vectorbt", type=int, default=200, metavar="N", help="genomes through vectorbt")
    bench.add_argument("--reference", type=int, default=100, metavar="N", help="genomes through the per-tick reference")
    bench.add_argument("--repeats", type=int, default=3, metavar="N",
                       help="runs of each timed measurement; the fastest counts (default 3)")
    bench.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    bench.add_argument("--start", default="2020-01-01", help="first day of the bars (default 2020-01-01)")
    bench.add_argument("--end", default="2023-10-15", help="day after the last bar (default 2023-10-15)")
    bench.add_argument("--baseline", metavar="REF", help="compare with a git ref of rayga (a branch, tag or commit), "
                       "measured in the same run, alternating: the ratios of the working tree to it")
    bench.set_defaults(func=_cmd_bench)

    opt = sub.add_parser("optimize", help="optimize a config's strategy on Ray (GA or complete search)")
    opt.add_argument("config", nargs="?", help="TOML config (default: embedded synthetic data, MA cross)")
    opt.add_argument("--set", action="append", metavar="NAME=VALUE", help="as for backtest; repeatable")
    _ray_run_flags(opt)
    opt.set_defaults(func=_cmd_optimize)

    wf = sub.add_parser("walkforward", help="walk-forward optimization: a GA per [walkforward] window, each chosen "
                        "pass tested on the next period, stitched out-of-sample equity and efficiency")
    wf.add_argument("config", help="TOML config with [data] start and end, and [walkforward] train, test, anchored")
    wf.add_argument("--set", action="append", metavar="NAME=VALUE", help="as for optimize, e.g. walkforward.train=\"6M\"")
    _ray_run_flags(wf)
    wf.set_defaults(func=_cmd_walkforward)

    status = sub.add_parser("status", help="progress of a running or finished optimization from its run folder")
    status.add_argument("run_dir", metavar="RUN_DIR", help="a run folder, or the --out root (every run in it)")
    status.set_defaults(func=_cmd_status)

    res = sub.add_parser("results", help="the optimization results table of a run (MT5 columns), filtered and sorted")
    res.add_argument("run_dir", metavar="RUN_DIR", help="a run folder of rayga optimize")
    res.add_argument("--top", type=int, metavar="N", help="show the first N rows (default 20)")
    res.add_argument("--sort", metavar="COLUMN", help="column to sort by: a heading (\"Profit\") or a metric or "
                     "parameter name (default: Result, best first)")
    res.add_argument("--asc", action="store_true", help="sort ascending (default: descending, Result best first)")
    from rayga.reports.table import filter_help

    res.add_argument("--filter", action="append", metavar="NAME|EXPR",
                     help=f"MT5 filter ({filter_help()}; all: every one) or a condition like "
                          f"\"total_trades >= 50\"; repeatable")
    res.add_argument("--forward", action="store_true", help="MT5's Forward Results: the passes re-run on the forward "
                     "period, their forward figures beside the back Result")
    res.add_argument("--csv", metavar="FILE", help="write the filtered, sorted table as CSV")
    res.add_argument("--parquet", metavar="FILE", help="write the filtered, sorted table as Parquet")
    res.set_defaults(func=_cmd_results)

    rep = sub.add_parser("report", help="write a run's HTML report (table, convergence, heatmaps, equity curves)")
    rep.add_argument("run_dir", metavar="RUN_DIR", help="a run folder of rayga optimize")
    rep.add_argument("--pass", dest="passes", action="append", metavar="PASS[,PASS]",
                     help="also draw these passes' equity curves (the best pass is always drawn)")
    rep.add_argument("--out", metavar="FILE", help="where to write it (default: RUN_DIR/report.html)")
    rep.set_defaults(func=_cmd_report)

    mt5 = sub.add_parser("mt5-report", help="recompute an MT5 tester report's figures from its deals")
    mt5.add_argument("path", help="MT5 Strategy Tester report (.html/.htm or .xlsx)")
    mt5.add_argument("--json", action="store_true", help="print the comparison as JSON")
    mt5.set_defaults(func=_cmd_mt5_report)

    data = sub.add_parser("data", help="import and inspect market data")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    imp = data_sub.add_parser("import", help="import M1 bar files into the Parquet store")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="bar files (MT5 export, HistData, CSV, Parquet)")
    imp.add_argument("--symbol", required=True, help="symbol of the bars, e.g. EURUSD")
    imp.add_argument("--format", default="auto", choices=FORMATS, help="file format (default: auto-detect)")
    imp.add_argument("--tz", default=None, metavar="ZONE",
                     help="zone of the file's stamps: UTC (default), histdata (default for HistData files), "
                          "mt5-ny, UTC+2, or an IANA name")
    imp.add_argument("--store", default=DEFAULT_STORE, metavar="DIR", help=f"store directory (default: {DEFAULT_STORE})")
    imp.set_defaults(func=_cmd_data_import)
    info = data_sub.add_parser("info", help="summarize the bars in a store")
    info.add_argument("--store", default=DEFAULT_STORE, metavar="DIR")
    info.add_argument("--symbol", default=None)
    info.set_defaults(func=_cmd_data_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _one_line_warnings()
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "address", None):  # before Ray is imported: Ray reads its authentication mode then
            from rayga.tuning.auth import use_cluster_token

            use_cluster_token()
        return int(args.func(args) or 0)
    except RaygaError as exc:
        print(f"rayga: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("rayga: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): the work is done, nothing left to say
        return 0


def run() -> None:
    """Console entry point: `main`, then exit without native-library teardown.

    Arrow's C++ thread pool can abort the interpreter's final teardown ("terminate called without an
    active exception", apache/arrow#34314) after the work is done, turning a finished command into exit
    code -6. Every file rayga writes is closed (and renamed into place) before `main` returns, so the
    process flushes its output and leaves with `os._exit`.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away (e.g. `| head`): nothing left to say
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
