"""The resin-jit command: its subcommands and exit codes."""
import importlib.util
import pathlib

import pytest

from support import run_cli


def test_help_and_usage_errors():
    assert run_cli("--help").returncode == 0
    assert "demo" in run_cli("--help").stdout
    assert run_cli().returncode == 2
    assert run_cli("no-such-command").returncode == 2


def test_doctor_reports_the_machine():
    proc = run_cli("doctor")
    assert proc.returncode == 0, proc.stderr
    for words in ("architecture", "ISA tiers", "C compiler", "cache directory", "backend"):
        assert words in proc.stdout


def test_demo_runs():
    proc = run_cli("demo")
    assert proc.returncode == 0, proc.stderr
    assert "call_f32(2.0) = 2.0" in proc.stdout
    assert "[1.0, 1.5, 2.0, 2.5]" in proc.stdout


BENCH_TABLES = {"core": "affine y = 0.5*x + 1", "graph": "10-node pure-math graph", "vsa": "VSA targets",
                "hdc_memory": "HDC memory targets",
                "hdc_learn": "hdc_learn targets",
                "hdc_batch": "VSA batches, 1000 x 10000 trits",
                "cache": "soak: 20 rounds", "scaleout": "10,000,000 float32 samples",
                "calls": "10-node graph, n = 64 float32", "reductions": "reductions over 44,100 float32 samples",
                "audio": "static biquad lowpass", "vmath": "functions, n = 44,100 float32, one thread", "compilers": "compilers: a cold build"}


def test_every_benchmark_group_is_run_below():
    from resin_jit.cli import BENCH_GROUPS
    assert set(BENCH_TABLES) == set(BENCH_GROUPS)


@pytest.mark.parametrize("group", sorted(BENCH_TABLES))
def test_every_benchmark_group_runs(group):
    """`resin-jit bench --quick` end to end, so the benchmarks cannot rot between measuring runs
    (the figures themselves are never asserted: timings belong in the bench output, not in tests)."""
    proc = run_cli("bench", "--quick", "--only", group)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"## {BENCH_TABLES[group]}" in proc.stdout, proc.stdout


def test_cache_clear_of_a_cache_not_made_yet_has_nothing_to_clear(tmp_path):
    missing = tmp_path / "never-made"
    proc = run_cli("cache", "clear", "--cache-dir", str(missing), RESIN_JIT_PREBUILT="")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"nothing to clear: {missing} does not exist" and proc.stderr == ""
    assert not missing.exists()


def bench_common():
    """benchmarks/common.py of this checkout (the installed resin_jit.benchmarks may be another's)."""
    path = pathlib.Path(__file__).parents[1] / "benchmarks" / "common.py"
    spec = importlib.util.spec_from_file_location("bench_common_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_target_line_says_the_figure_the_measure_the_target_and_the_peer(capsys):
    common = bench_common()
    common.print_verdicts([common.Target("n=64 kernel(x)", 1.25, 1.0, common.TIME_RATIO, "numba, allocating"),
                           common.Target("swept biquad", 0.81, -1.0, common.SPEEDUP, "numba"),
                           common.Target("compile again", 7.5, 5.0, "microseconds"),
                           common.Target("static biquad", 2.0, -1.0, common.SPEEDUP, "numba")], "VSA targets")
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "## VSA targets"
    assert lines[2:] == [
        "MISSED  n=64 kernel(x): 1.25x (our time / the peer's); target <= 1x; peer: numba, allocating",
        "MISSED  swept biquad: 0.81x (the peer's time / ours); target >= 1x; peer: numba",
        "MISSED  compile again: 7.50 (microseconds); target <= 5; no peer (an absolute target)",
        "MET     static biquad: 2.00x (the peer's time / ours); target >= 1x; peer: numba"]
