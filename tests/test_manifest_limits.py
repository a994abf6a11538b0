"""Issue 17 item 12: every size a `resin-jit warm` manifest can state is bounded, and a manifest
beyond a bound is a usage error (exit 2, a message) found with a bounded read, before any work."""
import json

import pytest

from resin_jit import bounded_json, warm

from support import run_cli

LIMITS = warm.LIMITS


def cli(*args):
    return run_cli(*args, timeout=60, RESIN_JIT_PREBUILT="")


MIX_OF_20000 = json.dumps([{"kind": "audio", "node": "Mix", "args": [[0.5] * 20000]}])
HOSTILE = {   # what each did before: 91 s and 2 GiB of compiler, OverflowError, RecursionError, all memory
    "a Mix of 20,000 weights": (MIX_OF_20000, "field 'args' [0] must be a list of at most 64 items, not 20000"),
    "a 400-digit int": ('[{"kind": "affine_simd", "a": 1' + "0" * 399 + ', "b": 1}]',
                        "a number of 400 digits (at most 16)"),
    "100,000-deep nesting": ("[" * 100_000 + "]" * 100_000, "lists and objects nested more than 6 deep"),
    "an endless file": (None, f"more than {LIMITS['bytes']:,} bytes"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_manifest_beyond_a_bound_is_a_usage_error_at_once(tmp_path, name):
    text, words = HOSTILE[name]
    manifest = tmp_path / "manifest.json"
    if text is None:
        manifest = "/dev/zero"
    else:
        manifest.write_text(text)
    proc = cli("warm", "--manifest", str(manifest), "--cache-dir", str(tmp_path / "layer"), "-q")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("resin-jit warm: error: ") and words in proc.stderr
    assert len(proc.stderr) < 400 and not (tmp_path / "layer").exists()


def entry(**fields):
    return [{"kind": "audio", "node": "SineOsc", **fields}]


BEYOND = [
    ([{"kind": "affine_simd", "a": 10 ** 400, "b": 1.0}], "'a' must be at most 2**53 in magnitude, not 1000000000"),
    ([{"kind": "affine_simd", "a": 2.0 ** 53 + 2, "b": 1.0}], "'a' must be at most 2**53 in magnitude"),
    ([{"kind": "vsa", "op": "dot", "dim": -10 ** 400}], "'dim' must be an int from 1 to 16777216, not -10000"),
    (entry(args=[1.0] * 65), "'args' must be a list of at most 64 items, not 65"),
    (entry(kwargs={f"k{i}": 1.0 for i in range(17)}), "'kwargs' must hold at most 16 names, not 17"),
    (entry(kwargs={"k" * 65: 1.0}), "'kwargs' must be an object of named values (names of at most 64 characters)"),
    (entry(kwargs={"name": "n" * 65}), "'kwargs' ['name'] must be at most 64 characters long"),
    ([{"kind": "demo"}] * (LIMITS["entries"] + 1), f"at most {LIMITS['entries']} entries, not 4097"),
    ([{"kind": "x" * 10 ** 6}], "'kind' must be one of affine_scalar"),
]


@pytest.mark.parametrize("manifest, words", BEYOND, ids=[w for _, w in BEYOND])
def test_every_size_a_manifest_states_is_bounded(manifest, words):
    with pytest.raises(warm.ManifestError, match=r"^.{0,300}$") as caught:
        warm.validate(manifest)
    assert words in str(caught.value)


def test_what_is_within_the_bounds_is_accepted():
    at_bounds = [{"kind": "audio", "node": "Mix", "args": [[0.5] * LIMITS["list"]]},
                 {"kind": "audio", "node": "Gain", "args": [-(2 ** 53)], "kwargs": {"name": "g" * LIMITS["text"]}},
                 {"kind": "affine_simd", "a": 2.0 ** 53, "b": -9007199254740992}]
    assert warm.validate(at_bounds) == at_bounds
    text = json.dumps(at_bounds).encode()
    assert bounded_json.loads(text, len(text), 4, 16) == at_bounds
    assert warm.validate(warm.builtin_manifest())


def test_the_read_is_bounded_and_brackets_in_strings_are_not_nesting():
    assert bounded_json.loads(b'[{"name": "[[[[[[[[{{{{"}]', 100, 2, 16) == [{"name": "[[[[[[[[{{{{"}]
    assert bounded_json.loads(b'["\\"[[[["]', 100, 1, 16) == ['"[[[[']
    with pytest.raises(ValueError, match="nested more than 2 deep"):
        bounded_json.loads(b"[[[1]]]", 100, 2, 16)
    with pytest.raises(ValueError, match="more than 10 bytes"):
        bounded_json.loads(b"[1, 2, 3, 4]", 10, 2, 16)
    with pytest.raises(ValueError, match="a number of 17 digits"):
        bounded_json.loads(b"[-12345678901234567]", 100, 2, 16)
    with pytest.raises(ValueError):
        bounded_json.loads(b"\xff[]", 100, 2, 16)   # not UTF-8: a ValueError like any other
