"""The resin-jit command: its subcommands and exit codes."""
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
                "cache": "soak: 100 rounds", "scaleout": "10,000,000 float32 samples",
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
