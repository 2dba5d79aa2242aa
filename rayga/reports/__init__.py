"""Readers for reports written by other tools (MetaTrader 5 Strategy Tester HTML and XLSX exports)."""

from rayga.reports.mt5_report import Mt5Report, read_mt5_report

__all__ = ["Mt5Report", "read_mt5_report"]
