"""Issue 9: every JitConfig field and environment variable is checked, with an error that names it."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import resin_jit as rj
from resin_jit.toolchain.isa import TIERS


@pytest.mark.parametrize("field, value", [("cache", "no"), ("cache", 0), ("cache_max_bytes", True),
                                          ("cache_max_bytes", 1.5), ("cache_max_bytes", "100"), ("cache_dir", 5),
                                          ("cache_dir", b"/tmp/x"), ("cc", Path("/usr/bin/cc")), ("isa", None)])
def test_a_field_of_the_wrong_type_is_a_type_error_naming_it(field, value):
    with pytest.raises(TypeError, match=field):
        rj.JitConfig(**{field: value})


def test_an_unknown_isa_is_a_value_error_listing_the_tiers():
    with pytest.raises(ValueError, match="unknown ISA tier 'avx9000'") as caught:
        rj.JitConfig(isa="avx9000")
    assert all(name in str(caught.value) for name in ("auto", *TIERS))


def test_a_negative_size_limit_is_a_value_error():
    with pytest.raises(ValueError, match="cache_max_bytes"):
        rj.JitConfig(cache_max_bytes=-1)


def test_good_values_are_accepted():
    config = rj.JitConfig(isa="AUTO", cache=False, cache_dir=Path("/tmp/somewhere"), cc="gcc", cache_max_bytes=0)
    assert config.resolved_cache_max_bytes() == 0
    for name in TIERS:
        assert rj.JitConfig(isa=name).isa == name


@pytest.mark.parametrize("text", ["abc", "-5", "1e6", "1_000", "12 MB", "\u0663"])
def test_size_limit_from_the_environment_must_be_a_whole_number(monkeypatch, text):
    monkeypatch.setenv("RESIN_JIT_CACHE_MAX_BYTES", text)
    with pytest.raises(ValueError, match="RESIN_JIT_CACHE_MAX_BYTES must be a whole number of bytes"):
        rj.JitConfig().resolved_cache_max_bytes()


@pytest.mark.parametrize("text, expected", [("", None), ("  ", None), ("0", 0), (" 4096 ", 4096)])
def test_size_limit_from_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv("RESIN_JIT_CACHE_MAX_BYTES", text)
    assert rj.JitConfig().resolved_cache_max_bytes() == expected


def test_the_cli_reports_a_bad_size_limit_without_a_traceback(tmp_path):
    env = {**os.environ, "RESIN_JIT_CACHE_DIR": str(tmp_path), "RESIN_JIT_CACHE_MAX_BYTES": "abc"}
    proc = subprocess.run([sys.executable, "-m", "resin_jit", "cache", "info"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 1
    assert "RESIN_JIT_CACHE_MAX_BYTES must be a whole number of bytes" in proc.stderr
    assert "Traceback" not in proc.stderr
