"""Reading MetaTrader 5 Strategy Tester reports (HTML and XLSX) into settings, results and deals."""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import lxml.etree
import lxml.html
import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from rayga.errors import DataError

Cell = str | float | int | None
Row = list[Cell]
Key = str | tuple[str, str]

DEAL_COLUMNS = ("time", "deal", "symbol", "type", "direction", "volume", "price", "order", "commission",
                "swap", "profit", "balance", "comment")
_TEXT_DEAL_COLUMNS = ("symbol", "type", "direction", "comment")
_FLOAT_DEAL_COLUMNS = ("volume", "price", "commission", "swap", "profit", "balance")
_TEXT_RESULTS = frozenset({"history_quality", "min_holding_time", "max_holding_time", "avg_holding_time"})
# Where a label / value pair sits in the 13-column grid MT5 lays its report on (colspans expanded).
_PAIR_COLUMNS = ((0, 3), (4, 7), (8, 11))
_SETTINGS_HEAD = ("expert", "symbol", "period", "inputs")
_SETTINGS_TAIL = ("company", "currency", "initial_deposit", "leverage")

# The 46 figures of the results block, row by row. A tuple key is a printed pair such as
# "12.80 (68.49%)": the figure before the brackets goes to the first name, the one inside to the second.
_TOP: tuple[tuple[Key, ...], ...] = (
    ("history_quality",),
    ("bars", "ticks", "symbols"),
    ("total_net_profit", "balance_dd_absolute", "equity_dd_absolute"),
    ("gross_profit", ("balance_dd_maximal", "balance_dd_maximal_pct"),
     ("equity_dd_maximal", "equity_dd_maximal_pct")),
    ("gross_loss", ("balance_dd_relative_pct", "balance_dd_relative_money"),
     ("equity_dd_relative_pct", "equity_dd_relative_money")),
    ("profit_factor", "expected_payoff", "margin_level_pct"),
    ("recovery_factor", "sharpe_ratio", ("z_score", "z_score_pct")),
    (("ahpr", "ahpr_pct"), "lr_correlation", "ontester_result"),
    (("ghpr", "ghpr_pct"), "lr_standard_error"),
)
_TRADES: tuple[tuple[Key, ...], ...] = (
    ("total_trades", ("short_trades", "short_won_pct"), ("long_trades", "long_won_pct")),
    ("total_deals", ("profit_trades", "profit_trades_pct"), ("loss_trades", "loss_trades_pct")),
    ("largest_profit_trade", "largest_loss_trade"),
    ("average_profit_trade", "average_loss_trade"),
    (("max_consecutive_wins", "max_consecutive_wins_money"),
     ("max_consecutive_losses", "max_consecutive_losses_money")),
    (("max_consecutive_profit", "max_consecutive_profit_count"),
     ("max_consecutive_loss", "max_consecutive_loss_count")),
    ("average_consecutive_wins", "average_consecutive_losses"),
)
_CORRELATIONS: tuple[tuple[Key, ...], ...] = (
    ("correlation_profits_mfe", "correlation_profits_mae", "correlation_mfe_mae"),
    ("min_holding_time", "max_holding_time", "avg_holding_time"),
)
# The HTML report prints the trade statistics before the correlations; the XLSX export after them.
# Labels are translated, so a layout is recognised by its shape (the number of pairs on each row).
_LAYOUTS = (_TOP + _TRADES + _CORRELATIONS, _TOP + _CORRELATIONS + _TRADES)
_PAIR = re.compile(r"^(.*?)\s*\((.*)\)$")
_READ_ERRORS = (OSError, ValueError, KeyError, zipfile.BadZipFile, lxml.etree.LxmlError, InvalidFileException)


@dataclass(frozen=True, eq=False)
class Mt5Report:
    """One Strategy Tester report: settings (stable keys), printed results and the Deals table."""

    settings: dict[str, str]
    results: dict[str, float | str]
    deals: pd.DataFrame


def read_mt5_report(path: str | Path) -> Mt5Report:
    """Read an MT5 Strategy Tester report saved as HTML (any language) or exported as XLSX."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: MT5 report {'is not a file' if path.exists() else 'not found'}")
    try:
        with path.open("rb") as f:
            is_zip = f.read(4) == b"PK\x03\x04"
        grid = _xlsx_grid(path) if is_zip else _html_grid(path)
    except _READ_ERRORS as exc:
        reason = " ".join(str(exc).split())
        raise DataError(f"{path}: cannot read the MT5 report ({type(exc).__name__}: {reason})") from None
    return _parse_grid(grid, path)


def _html_grid(path: Path) -> list[Row]:
    """The report's table rows as 13-column grid rows (a cell sits at its first column)."""
    doc = lxml.html.fromstring(_decode(path.read_bytes()))
    grid = []
    for tr in doc.iter("tr"):
        row: Row = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            row.append(" ".join(cell.text_content().split()))
            span = cell.get("colspan", "1")
            row.extend([None] * (int(span) - 1 if span.isdigit() and int(span) > 1 else 0))
        grid.append(row)
    return grid


def _decode(raw: bytes) -> str:
    """Text of an HTML report: UTF-16 with a BOM as MT5 writes it, else UTF-8 (or UTF-16LE without BOM)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if raw[1:2] == b"\x00":
        return raw.decode("utf-16-le", errors="replace")
    return raw.decode("utf-8", errors="replace")


def _xlsx_grid(path: Path) -> list[Row]:
    """The first worksheet's rows (merged cells hold their value in their first column)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [[_xlsx_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y.%m.%d %H:%M:%S")
    return " ".join(str(value).split())


def _parse_grid(grid: list[Row], path: Path) -> Mt5Report:
    """Split the grid into its sections (Settings, Results, ..., Deals) and read each."""
    titles = [i for i, row in enumerate(grid) if _is_section_title(row)]
    blocks = [rows for i in titles if (rows := _section_rows(grid, i, titles))]
    if len(blocks) < 2:
        raise DataError(f"{path}: not an MT5 Strategy Tester report (no Settings and Results blocks)")
    tables = [rows for rows in blocks[2:] if _filled(rows[0]) >= len(DEAL_COLUMNS)]
    if not tables:
        raise DataError(f"{path}: the MT5 report has no Deals table")
    settings = _settings(blocks[0], path)
    results = _results(blocks[1], path)
    results["initial_deposit"] = _number(settings["initial_deposit"], path, "Initial Deposit")
    deals = _deals(tables[-1][1:], path)
    return Mt5Report(settings=settings, results=results, deals=deals)


def _is_section_title(row: Row) -> bool:
    """A title row: text in the first column only, and not a "Label:" row."""
    first = row[0] if row else None
    return isinstance(first, str) and bool(first) and _filled(row) == 1 and not first.endswith((":", "："))


def _filled(row: Row) -> int:
    return sum(1 for cell in row if cell not in (None, ""))


def _section_rows(grid: list[Row], start: int, sections: list[int]) -> list[Row]:
    """The non-empty rows after the title row `start`, up to the next title row."""
    end = next((i for i in sections if i > start), len(grid))
    return [row for row in grid[start + 1:end] if _filled(row)]


def _at(row: Row, column: int) -> Cell:
    return row[column] if column < len(row) else None


def _text(cell: Cell) -> str:
    """A cell as printed text (an XLSX whole number as MT5 prints money, with 2 decimals)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return f"{cell:.2f}"
    return str(cell)


def _settings(rows: list[Row], path: Path) -> dict[str, str]:
    """Settings by position: Expert, Symbol, Period, Inputs (+ continuation rows) ... Company, Currency,
    Initial Deposit, Leverage; any other labelled row in between keeps its printed label."""
    labelled: list[tuple[str, list[str]]] = []
    for row in rows:
        label, value = _text(_at(row, 0)), _text(_at(row, 3))
        if label:
            labelled.append((label.rstrip(":："), [value]))
        elif labelled:
            labelled[-1][1].append(value)
    if len(labelled) < len(_SETTINGS_HEAD) + len(_SETTINGS_TAIL):
        raise DataError(f"{path}: the MT5 report's Settings block has {len(labelled)} rows, not at least 8")
    keys = [*_SETTINGS_HEAD, *(label for label, _ in labelled[4:-4]), *_SETTINGS_TAIL]
    return {key: "\n".join(values) for key, (_, values) in zip(keys, labelled, strict=True)}


def _results(rows: list[Row], path: Path) -> dict[str, float | str]:
    """The 46 printed figures under stable English keys, matched by position (labels are translated)."""
    pairs = [[(row_label, _at(row, v)) for l_, v in _PAIR_COLUMNS if (row_label := _text(_at(row, l_)))]
             for row in rows]
    pairs = [row for row in pairs if row]
    shape = tuple(len(row) for row in pairs)
    layout = next((lay for lay in _LAYOUTS if tuple(len(r) for r in lay) == shape), None)
    if layout is None:
        raise DataError(f"{path}: unrecognised MT5 results block ({sum(shape)} figures on {len(shape)} rows)")
    results: dict[str, float | str] = {}
    for keys, row in zip(layout, pairs, strict=True):
        for key, (_, value) in zip(keys, row, strict=True):
            results.update(_figure(key, value))
    return results


def _figure(key: Key, value: Cell) -> Iterator[tuple[str, float | str]]:
    """One printed figure; a pair such as `12.80 (68.49%)` or `68.49% (12.80)` gives both values."""
    if isinstance(key, tuple):
        match = _PAIR.match(value) if isinstance(value, str) else None
        if match is None:
            yield key[0], _maybe_number(value)
            return
        yield key[0], _maybe_number(match.group(1))
        yield key[1], _maybe_number(match.group(2))
    elif key in _TEXT_RESULTS:
        yield key, _text(value)
    else:
        yield key, _maybe_number(value)


def _maybe_number(cell: Cell) -> float | str:
    """A number printed as `10 000.00`, `-6.11` or `68.49%`; text that is not a number stays text."""
    if isinstance(cell, (int, float)):
        return float(cell)
    text = (cell or "").replace(" ", "").replace("\u00a0", "").removesuffix("%")
    try:
        return float(text)
    except ValueError:
        return cell or ""


def _number(cell: Cell, path: Path, what: str) -> float:
    value = _maybe_number(cell)
    if isinstance(value, str):
        raise DataError(f"{path}: {what} {value!r} is not a number")
    return value


def _deals(rows: list[Row], path: Path) -> pd.DataFrame:
    """The Deals table (rows with a time; the totals row has none) with typed columns."""
    records = [[_at(row, c) for c in range(len(DEAL_COLUMNS))] for row in rows if _at(row, 0)]
    frame = pd.DataFrame(records, columns=list(DEAL_COLUMNS), dtype=object)
    try:
        return _typed_deals(frame)
    except ValueError as exc:
        reason = " ".join(str(exc).split())
        raise DataError(f"{path}: cannot read the MT5 Deals table ({reason})") from None


def _typed_deals(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    out["time"] = pd.to_datetime(frame["time"].map(_text), format="%Y.%m.%d %H:%M:%S")
    for column in DEAL_COLUMNS[1:]:
        values = frame[column]
        if column in _TEXT_DEAL_COLUMNS:
            out[column] = values.map(_text).astype(str)
        elif column in _FLOAT_DEAL_COLUMNS:
            out[column] = _float_column(values, column)
        else:
            out[column] = pd.array(_float_column(values, column), dtype="Float64").astype("Int64")
    return out


def _float_column(values: Sequence[Cell] | pd.Series, column: str) -> np.ndarray:
    parsed = [np.nan if cell in (None, "") else _maybe_number(cell) for cell in values]
    bad = next((cell for cell in parsed if isinstance(cell, str)), None)
    if bad is not None:
        raise ValueError(f"column {column!r}: {bad!r} is not a number")
    return np.asarray(parsed, dtype=np.float64)
