"""Real MT5 Strategy Tester reports as an oracle: figures computed from their deals match the printed ones."""

from __future__ import annotations

import functools
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from rayga.errors import DataError
from rayga.metrics.deals import metrics_from_deals
from rayga.reports import Mt5Report, read_mt5_report
from rayga.reports.mt5_report import DEAL_COLUMNS
from tests.conftest import need_shared

# The 14 reports of ../shared/mt5-reports (README.md there says where each comes from).
REPORTS = (
    "tt1219_EURUSD_M15_hyper_904tr.html",
    "joao9913_MACrossover_GBPUSD_M15_2013-2025.html",
    "jomo_USDJPY_M5_golden_method_531tr.htm",
    "mohamedreda_EXP_EA_GBPUSD_H1_pips.html",
    "mohamedreda_VR-ZVER_GBPUSD_M15_pips.html",
    "temph2020_RSIDivergenceRebound_XAUUSD_H1.html",
    "didinska_GoldHedgeRecovery_v4_XAUUSD_M5.html",
    "didinska_EA_ZeroToHero_XAUUSD_M5.html",
    "didinska_XAUUSD_AI_EA_no_trades.html",
    "dinexspace_EA-003_EMA_20_50_Cross_XAUUSD.PRO_M1.html",
    "dinexspace_EA-011_EMA_50_200_Retest_XAUUSD.PRO_M1.html",
    "jomo_BTCUSD_M1_single_trade_pf0.htm",
    "jomo_BTCUSD_M5_regime_dual_518tr.htm",
    "davidyusaku_DailyBreakout_XAUUSD_M1_xlsx.xlsx",
)
# (net profit, total trades) from the README's table: a check that the right block was read.
README_FIGURES = {
    "tt1219_EURUSD_M15_hyper_904tr.html": (-9999.59, 904),
    "mohamedreda_EXP_EA_GBPUSD_H1_pips.html": (1301.4, 179),
    "didinska_GoldHedgeRecovery_v4_XAUUSD_M5.html": (-499.25, 1001),
    "didinska_XAUUSD_AI_EA_no_trades.html": (0.0, 0),
    "jomo_BTCUSD_M1_single_trade_pf0.htm": (98.48, 1),
    "davidyusaku_DailyBreakout_XAUUSD_M1_xlsx.xlsx": (10747262.45, 909),
}
# Our metric name -> the printed figure it must reproduce (money, ratios and percents).
MONEY_FIGURES = {
    "profit": "total_net_profit",
    "gross_profit": "gross_profit",
    "gross_loss": "gross_loss",
    "profit_factor": "profit_factor",
    "expected_payoff": "expected_payoff",
    "balance_dd_abs": "balance_dd_absolute",
    "balance_dd_max": "balance_dd_maximal",
    "balance_dd_max_pct": "balance_dd_maximal_pct",
    "balance_dd_rel_pct": "balance_dd_relative_pct",
    "balance_dd_rel_money": "balance_dd_relative_money",
    "recovery_factor": "recovery_factor",
}
COUNT_FIGURES = {
    "total_trades": "total_trades",
    "total_deals": "total_deals",
    "wins": "profit_trades",
    "long_trades": "long_trades",
    "short_trades": "short_trades",
}
# Not checked, because the deals do not determine them: the equity drawdowns (they need the tick-level
# equity curve, which the report does not hold) and the Sharpe ratio (MT5's formula works on that curve
# too, and is floored at -5.00). The recovery factor is checked with the printed equity drawdown maximal.


@functools.cache
def _read(name: str) -> Mt5Report:
    return read_mt5_report(need_shared("mt5-reports", name))


@pytest.fixture(params=REPORTS, scope="module")
def report(request) -> tuple[str, Mt5Report, dict[str, float]]:
    rep = _read(request.param)
    res = rep.results
    metrics = metrics_from_deals(rep.deals, float(res["initial_deposit"]), float(res["equity_dd_maximal"]))
    return request.param, rep, metrics


def printed_tolerance(printed: float) -> float:
    """Half a unit of the last printed digit: HTML prints 2 decimals, the XLSX export often full precision."""
    text = repr(float(printed))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return 0.5 * 10.0 ** -max(2, decimals) + 1e-9


@pytest.mark.shared
def test_report_is_parsed_whole(report):
    name, rep, _ = report
    assert len(rep.results) >= 46
    assert list(rep.deals.columns) == list(DEAL_COLUMNS)
    assert rep.deals["type"].iloc[0] == "balance"
    assert rep.deals["profit"].iloc[0] == pytest.approx(rep.results["initial_deposit"])
    assert rep.settings["currency"] in ("USD", "profit in pips")
    assert rep.settings["symbol"] in name
    assert isinstance(rep.results["max_holding_time"], str)
    if name in README_FIGURES:
        profit, trades = README_FIGURES[name]
        assert rep.results["total_net_profit"] == pytest.approx(profit, abs=1e-9)
        assert rep.results["total_trades"] == trades


@pytest.mark.shared
def test_balance_column_is_the_running_sum(report):
    _, rep, _ = report
    deals = rep.deals
    trading = deals["type"].isin(["buy", "sell"])
    result = (deals["profit"] + deals["commission"] + deals["swap"]).where(trading, 0.0)
    rebuilt = rep.results["initial_deposit"] + result.cumsum()
    assert (rebuilt - deals["balance"]).abs().max() < 1e-6


@pytest.mark.shared
@pytest.mark.parametrize("metric", MONEY_FIGURES)
def test_money_figures_match_the_report(report, metric):
    name, rep, metrics = report
    printed = rep.results[MONEY_FIGURES[metric]]
    assert metrics[metric] == pytest.approx(printed, abs=printed_tolerance(printed)), (name, metric)


@pytest.mark.shared
def test_counts_and_win_rates_match_the_report(report):
    name, rep, m = report
    res = rep.results
    for metric, figure in COUNT_FIGURES.items():
        assert m[metric] == res[figure], (name, metric)
    assert m["total_trades"] - m["wins"] == res["loss_trades"]
    for side in ("long", "short"):
        trades, wins = m[f"{side}_trades"], m[f"{side}_wins"]
        won_pct = 100.0 * wins / trades if trades else 0.0
        assert won_pct == pytest.approx(res[f"{side}_won_pct"], abs=0.005 + 1e-9), (name, side)
    won_pct = 100.0 * m["wins"] / m["total_trades"] if m["total_trades"] else 0.0
    assert won_pct == pytest.approx(res["profit_trades_pct"], abs=0.005 + 1e-9)


@pytest.mark.shared
def test_balance_drawdown_maximal_and_relative_are_different_episodes():
    rep = _read("davidyusaku_DailyBreakout_XAUUSD_M1_xlsx.xlsx")
    m = metrics_from_deals(rep.deals, rep.results["initial_deposit"])
    assert m["balance_dd_max"] == pytest.approx(1_332_000.00, abs=0.005)
    assert m["balance_dd_rel_money"] == pytest.approx(7_799.22, abs=0.005)
    assert math.isnan(m["recovery_factor"])  # no equity drawdown given


@pytest.mark.shared
def test_metrics_without_a_balance_column_rebuild_it_from_the_deposit():
    rep = _read("mohamedreda_VR-ZVER_GBPUSD_M15_pips.html")  # the balance goes below zero
    with_column = metrics_from_deals(rep.deals, 3000.0, 4756.60)
    without = metrics_from_deals(rep.deals.drop(columns="balance"), 3000.0, 4756.60)
    assert without == pytest.approx(with_column, abs=1e-6)
    assert without["balance_dd_max_pct"] == pytest.approx(100.67, abs=0.005)


def _deal(kind: str, direction: str, profit: float, commission: float = 0.0) -> dict[str, object]:
    return {"type": kind, "direction": direction, "profit": profit, "commission": commission, "swap": 0.0}


def test_rules_on_a_handmade_deal_list():
    deals = pd.DataFrame([
        _deal("balance", "", 100.0),
        _deal("buy", "in", 0.0, -1.0),   # entry commission lands in gross loss
        _deal("sell", "out", 1.0),       # closes a long: +1 -> profit trade
        _deal("sell", "in", 0.0),
        _deal("buy", "out", 0.0),        # closes a short at exactly 0: a profit trade
        _deal("buy", "in/out", -50.0),   # reversal: a closing deal of a short, a loss
    ])
    m = metrics_from_deals(deals, 100.0, equity_dd_max=60.0)
    assert m["profit"] == pytest.approx(-50.0)
    assert (m["gross_profit"], m["gross_loss"]) == (1.0, -51.0)
    assert (m["total_trades"], m["total_deals"], m["wins"]) == (3, 5, 2)
    assert (m["long_trades"], m["long_wins"], m["short_trades"], m["short_wins"]) == (1, 1, 2, 1)
    assert m["balance_dd_abs"] == pytest.approx(50.0)
    assert m["balance_dd_max"] == pytest.approx(50.0)
    assert m["recovery_factor"] == pytest.approx(-50.0 / 60.0)
    no_loss = metrics_from_deals(deals.iloc[:3].assign(commission=0.0), 100.0)
    assert no_loss["profit_factor"] == 0.0


# --- bad input: one-line DataError naming the file ---------------------------------------------------

def _html_report_text() -> str:
    return need_shared("mt5-reports", "didinska_EA_ZeroToHero_XAUUSD_M5.html").read_bytes().decode("utf-16")


def _expect_error(path: Path, words: str) -> None:
    with pytest.raises(DataError) as info:
        read_mt5_report(path)
    message = str(info.value)
    assert path.name in message and words in message and "\n" not in message


def test_missing_file(tmp_path):
    _expect_error(tmp_path / "nowhere.html", "not found")


NOT_REPORTS = (b"", b"hello, not a report", b"<html><body><p>hi</p></body></html>",
               b"\xff\xfe" + "<table><tr><td>x</td></tr></table>".encode("utf-16-le"))


@pytest.mark.parametrize("content", NOT_REPORTS)
def test_not_a_report(tmp_path, content):
    path = tmp_path / "other.html"
    path.write_bytes(content)
    with pytest.raises(DataError, match="other.html"):
        read_mt5_report(path)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    _expect_error(path, "cannot read")


@pytest.mark.shared
def test_no_deals_table(tmp_path):
    text = _html_report_text()
    cut = text.rindex("<tr", 0, text.index(">Deals<"))
    path = tmp_path / "no_deals.html"
    path.write_bytes(b"\xff\xfe" + (text[:cut] + "</table></body></html>").encode("utf-16-le"))
    _expect_error(path, "no Deals table")


@pytest.mark.shared
def test_results_block_with_a_row_missing(tmp_path):
    text = _html_report_text()
    start = text.rindex("<tr", 0, text.index("Profit Factor:"))
    end = text.index("</tr>", start) + len("</tr>")
    path = tmp_path / "short_results.html"
    path.write_bytes(b"\xff\xfe" + (text[:start] + text[end:]).encode("utf-16-le"))
    _expect_error(path, "results block")


@pytest.mark.shared
def test_deal_with_an_unreadable_number(tmp_path):
    text = _html_report_text().replace("<td>6.69</td><td>18.69</td>", "<td>6.69</td><td>1x.69</td>")
    path = tmp_path / "bad_deal.html"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    _expect_error(path, "'balance'")


@pytest.mark.shared
def test_utf8_html_reads_like_the_utf16_original(tmp_path):
    path = tmp_path / "utf8.html"
    path.write_text(_html_report_text(), encoding="utf-8")
    copy, original = read_mt5_report(path), _read("didinska_EA_ZeroToHero_XAUUSD_M5.html")
    assert copy.results == original.results and copy.settings == original.settings
    pd.testing.assert_frame_equal(copy.deals, original.deals)
