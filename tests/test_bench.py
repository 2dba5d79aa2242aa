"""`rayga bench` end to end on the embedded synthetic bars: every figure measured, the per-tick reference's
re-run of a sample agreeing with the kernel."""

from __future__ import annotations


def test_bench_runs_and_the_reference_sample_agrees():
    from rayga.bench import run_bench

    result = run_bench("synthetic", "2022-01-03", "2022-03-01", sizes=(40,), vbt_sample=5, reference_sample=20,
                       repeats=1)
    assert result.mismatches == 0
    assert result.figures["reference_sample"] == 20 and result.figures["reference_pps"] > 0
    assert result.figures["pps_40"] > 0
    assert any("reference" in line for line in result.lines())
