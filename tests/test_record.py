"""Issue 21 item 4, warm what you use: RESIN_JIT_RECORD=FILE writes a manifest of every kernel a run
asks for, expression graphs included (graph_entry.py: data resolved through tables, never code);
`resin-jit warm --manifest FILE` builds it, and a process with no compiler then loads it."""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio, demo, graph_entry, record, warm
from resin_jit.compiler import graph_request
from resin_jit.front.canonical import canonical_graph

from support import needs_native, no_compiler_env

x = rj.input("x")


def graphs():
    """(outputs, sample_rate) of graphs of every kind of node a recording writes."""
    return [([demo.shaper()], None),
            ([demo.patch()], 44100.0),
            ([rj.sum(x * x), rj.argmax(x), x + rj.param("g", float("inf")), rj.where(x > 0, x, -0.0)], None),
            ([audio.Mix([0.5, 0.25])(audio.Limiter(lookahead=0.0001)(x), audio.Delay(0.01, maximum=0.1)(x))], 48000.0),
            ([audio.Mix([0.5, 0.25])(audio.Limiter(lookahead_samples=5)(x), audio.Delay(3, unit="samples")(x)),
              audio.Limiter()(x)], 48000.0),
            ([audio.Biquad.peak(900.0, freeze=True)(audio.Gain(0.5, smooth=0.01)(audio.Noise(7)()))], None),
            ([rj.extern("erff", "float(float)")(x)], None)]


@pytest.mark.parametrize("case", range(len(graphs())))
@pytest.mark.parametrize("dtype, ulp", [("float32", 1.0), ("float64", 0.5)])
def test_a_graph_through_a_manifest_is_the_same_kernel(case, dtype, ulp):
    outputs, rate = graphs()[case]
    cg = canonical_graph(outputs, None, dtype, rate)
    entry = json.loads(json.dumps(graph_entry.entry_of(cg, dtype, ulp)))   # as a file holds it
    assert warm.validate([entry]) == [entry]
    (request,) = warm.KINDS["graph"].requests(**warm._params(entry))
    assert request[0] == graph_request(cg, dtype, ulp)[0]                   # the kernel's ident, so its key
    assert graph_entry.canonical_of(entry).key == cg.key


def test_an_entry_holds_only_names_numbers_and_node_numbers():
    entry = graph_entry.entry_of(canonical_graph([demo.shaper()], None, "float32"), "float32", 1.0)
    assert entry["nodes"][:4] == [["const", -1.0], ["op", "ne", 0, 0], ["const", 1.0], ["input", "x"]]
    assert entry["outputs"] == [12] and entry["inputs"] == ["x"] and entry["sample_rate"] is None


def graph(nodes, **fields):
    return {"kind": "graph", "nodes": nodes, "outputs": [len(nodes) - 1], "inputs": ["x"], **fields}


X = ["input", "x"]
HOSTILE = [
    (graph([X, ["op", "system", 0]]), "unknown op 'system'"),
    (graph([X, ["op", "add(x); system(\"rm -rf /\")", 0, 0]]), "unknown op"),
    (graph([X, ["op", "add", 0, 5]]), "the number of an earlier node (0 to 0), not 5"),
    (graph([X, ["op", "add", 0, "0"]]), "the number of an earlier node"),
    (graph([["op", "neg", 0]], inputs=[]), "earlier node (there is none before it)"),
    (graph([X, ["op", "add", 0]]), "takes 2 input(s), got 1"),
    (graph([X, ["const", "1.0"], ["op", "add", 0, 1]]), "a constant must be a number"),
    (graph([X, ["const", 1e999], ["op", "add", 0, 1]]), "must be finite as a JSON number"),
    (graph([X, ["const", 2 ** 60], ["op", "add", 0, 1]]), "at most 2**53"),
    (graph([X, ["param", "g; abort();", 1.0], ["op", "add", 0, 1]]), "a parameter's name must be a name"),
    (graph([["input", "x */ int main"], ["op", "neg", 0]], inputs=["x */ int main"]), "an input's name must be"),
    (graph([X, ["extern", "system", "int(char)", 0]]), "unsupported type 'int'"),
    (graph([X, ["extern", "f(){}; double g", "float(float)", 0]]), "not a usable C function name"),
    (graph([X, ["node", "PyNode", [], 0]]), "unknown node class 'PyNode'"),
    (graph([X, ["node", "Biquad", ["lowpass; exit(1)"], 0]]), "a Biquad's field is its type"),
    (graph([X, ["node", "Delay", ["samples", "0x1p+40"], 0, 0]]), "maximum must be from 0 to"),
    (graph([X, ["node", "Limiter", [10 ** 12], 0, 0, 0]]), "a Limiter's fields are [] (no look-ahead)"),
    (graph([X, ["node", "Limiter", ["samples", 10 ** 12], 0, 0, 0]]), "lookahead_samples must be an int from 0"),
    (graph([X, ["node", "Limiter", ["seconds", "0x1p+40"], 0, 0, 0]]), "lookahead is in seconds, from 0 to 1"),
    (graph([X, ["node", "Limiter", ["seconds", "-0x1p+0"], 0, 0, 0]]), "lookahead is in seconds, from 0 to 1"),
    (graph([X, ["node", "Limiter", ["seconds", "nan"], 0, 0, 0]]), "lookahead is in seconds, from 0 to 1, not nan"),
    (graph([X, ["node", "Limiter", ["seconds", "0x0.0p+0"], 0, 0, 0]]), "node Limiter ['seconds', '0x0.0p+0'] of 3"),
    (graph([X, ["node", "Mix", [40], 0]]), "a Mix's field is its number of inputs"),
    (graph([X, ["node", "Gain", [], 0]]), "node Gain [] of 1 inputs is not one resin_jit makes"),
    (graph([X, ["op", "neg", 0]], dtype="int8"), "'dtype' must be one of float32, float64"),
    (graph([X, ["op", "neg", 0]], ulp=2.0), "'ulp' must be one of 0.5, 1.0, 4.0"),
    (graph([X, ["op", "neg", 0]], sample_rate=-1), "'sample_rate' must be a positive number"),
    (graph([X, ["op", "neg", 0]], code="import os"), "unknown field(s) 'code'"),
    (graph([X] * 3000), "'nodes' must be a list of 1 to 2048 nodes"),
    (graph([X, "neg 0"]), "a node is a list"),
    ({"kind": "vsa", "op": "pack", "dim": 64, "packed": True}, "'pack' has no packed kernel"),
]


@pytest.mark.parametrize("entry, message", HOSTILE, ids=[m for _, m in HOSTILE])
def test_a_hostile_graph_entry_is_refused_naming_the_problem(entry, message):
    with pytest.raises(warm.ManifestError, match="entry 0: ") as caught:
        warm.validate([entry])
    assert message in str(caught.value)
    assert len(str(caught.value)) < 600


def test_a_hostile_manifest_file_is_a_usage_error_before_anything_runs(tmp_path):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps([graph([X, ["op", "system", 0]])]))
    proc = subprocess.run([sys.executable, "-m", "resin_jit", "warm", "--manifest", str(manifest), "--cache-dir",
                           str(tmp_path / "layer"), "-q"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unknown op 'system'" in proc.stderr
    assert not (tmp_path / "layer" / "kernels").exists()


RECORDER = """
import sys, resin_jit as rj
jit = rj.JitCompiler()
x = rj.input("x")
for k in range(int(sys.argv[1]), int(sys.argv[2])):
    jit.compile(x * float(k) + 1.0)
"""


def record_in_new_process(path, *args, **env):
    env = {**os.environ, "RESIN_JIT_RECORD": str(path), "RESIN_JIT_DISABLE": "1", **env}
    return subprocess.Popen([sys.executable, "-W", "ignore::RuntimeWarning", "-c", RECORDER, *map(str, args)],
                            env=env, stderr=subprocess.PIPE, text=True)


def test_two_processes_recording_into_one_file_lose_nothing(tmp_path):
    """Each records 40 kernels, 20 of them the other's too: every one is there once, the file whole."""
    path = tmp_path / "recorded.json"
    procs = [record_in_new_process(path, 0, 40), record_in_new_process(path, 20, 60)]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    manifest = warm.load_manifest(str(path))
    constants = sorted(item[1] for entry in manifest for item in entry["nodes"] if item[0] == "const"
                       and item[1] != 1.0)
    assert constants == [float(k) for k in range(60) if k != 1]
    assert len(manifest) == 60 and not list(tmp_path.glob(".recorded.json.*.tmp"))


def test_recording_skips_code_with_a_note_and_keeps_the_rest(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    monkeypatch.setenv("RESIN_JIT_RECORD", str(path))
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path / "cache"))
    own_c = rj.extern("triple_it", "float(float)", c_source="float triple_it(float v) { return 3 * v; }",
                      reference=lambda v: 3 * v)
    with pytest.warns(RuntimeWarning, match="is not recorded into .*c_source= or library="):
        jit.compile(own_c(x) + 2.0)
    jit.compile(x - 4.0)
    jit.compile(x - 4.0)                   # once only
    jit.compile_affine(0.5, -0.0)
    with pytest.warns(RuntimeWarning, match="not recorded .*'a' must be at most 2\\*\\*53 in magnitude"):
        jit.compile_affine(1e300, 0.0)     # beyond a manifest's bounds: left out, the file stays one warm reads
    manifest = warm.load_manifest(str(path))
    assert [e["kind"] for e in manifest] == ["graph", "affine_scalar"]
    assert manifest[1] == {"kind": "affine_scalar", "a": 0.5, "b": -0.0}
    assert str(manifest[1]["b"]) == "-0.0"


def test_the_numpy_backend_records_what_the_native_one_would(tmp_path):
    code = ("import resin_jit as rj\nfrom resin_jit.vsa import JitVSAEngine, TritVector\n"
            "engine = JitVSAEngine(rj.JitCompiler())\na, b = TritVector.random(256, seed=1), TritVector.random(256, seed=2)\n"
            "engine.dot(a, b); engine.dot(a, b); engine.bundle([a, b, a])\n"
            "rj.JitCompiler().compile(rj.input('x') * 2.0)\n")
    path = tmp_path / "m.json"
    proc = subprocess.run([sys.executable, "-W", "ignore::RuntimeWarning", "-c", code], capture_output=True, text=True,
                          env={**os.environ, "RESIN_JIT_DISABLE": "1", "RESIN_JIT_RECORD": str(path)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [(e["kind"], e.get("op"), e.get("count")) for e in warm.load_manifest(str(path))] == [
        ("vsa", "dot", None), ("vsa", "bundle", 3), ("graph", None, None)]


def test_a_file_that_is_not_a_manifest_is_left_as_it_is(tmp_path, monkeypatch):
    path = tmp_path / "notes.json"
    path.write_text('{"mine": true}')
    monkeypatch.setenv("RESIN_JIT_RECORD", str(path))
    with pytest.warns(RuntimeWarning, match="cannot record kernels into .*notes.json.*is not a manifest"):
        rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path / "cache")).compile(x * 5.0 - 3.0)
    assert path.read_text() == '{"mine": true}'


def test_a_link_or_a_missing_directory_is_not_recorded_into(tmp_path, monkeypatch):
    (tmp_path / "elsewhere.json").write_text("[]")
    (tmp_path / "link.json").symlink_to(tmp_path / "elsewhere.json")
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path / "cache"))
    for target, message, k in ((tmp_path / "link.json", "is a symbolic link: record into a regular file", 6.0),
                               (tmp_path / "none" / "m.json", "directory .*none does not exist", 7.0)):
        monkeypatch.setenv("RESIN_JIT_RECORD", str(target))
        with pytest.warns(RuntimeWarning, match=f"cannot record kernels into .*{message}"):
            jit.compile(x * k - 3.0)
    assert (tmp_path / "elsewhere.json").read_text() == "[]" and not (tmp_path / "none").exists()


PROGRAM = """
import json, numpy as np, resin_jit as rj
from resin_jit import audio
from resin_jit.vsa import JitVSAEngine, TritVector
jit = rj.JitCompiler()
x = rj.input("x")
kernels = [jit.compile([rj.clip(x * 2.0 + 1.0, -1.0, 1.0), rj.sum(x * x)]),
           jit.compile(audio.Biquad.lowpass(800.0)(audio.SawOsc(110.0)()), sample_rate=48000),
           jit.compile(x * 3.0, dtype="float64", ulp=0.5)]
scalar = jit.compile_affine(0.5, 1.0)
engine = JitVSAEngine(jit)
a, b = TritVector.random(512, seed=1), TritVector.random(512, seed=2)
dots = [int(engine.dot(a, b)), int(engine.dot(a.pack(), b.pack()))]
y, total = kernels[0](np.arange(8, dtype=np.float32))
print(json.dumps({"stats": jit.stats, "backends": [k.backend for k in kernels], "dots": dots,
                  "total": float(total), "scalar": scalar.call_f32(2.0)}))
"""


@needs_native
def test_record_then_warm_then_a_process_with_no_compiler_loads_every_kernel(tmp_path):
    (tmp_path / "program.py").write_text(PROGRAM)
    manifest = tmp_path / "recorded.json"
    where_built = subprocess.run([sys.executable, str(tmp_path / "program.py")], capture_output=True, text=True,
                                 env={**os.environ, "RESIN_JIT_RECORD": str(manifest),
                                      "RESIN_JIT_CACHE_DIR": str(tmp_path / "cache"), "RESIN_JIT_PREBUILT": ""},
                                 timeout=600)
    assert where_built.returncode == 0, where_built.stderr
    assert [e["kind"] for e in warm.load_manifest(str(manifest))] == ["graph"] * 3 + ["affine_scalar"] + ["vsa"] * 2
    warmed = subprocess.run([sys.executable, "-m", "resin_jit", "warm", "--manifest", str(manifest), "--cache-dir",
                             str(tmp_path / "layer"), "-q"], capture_output=True, text=True, timeout=600)
    assert warmed.returncode == 0 and "6 built" in warmed.stdout, warmed.stdout + warmed.stderr
    env = no_compiler_env(tmp_path, RESIN_JIT_PREBUILT=str(tmp_path / "layer"),
                          RESIN_JIT_CACHE_DIR=str(tmp_path / "user"))
    shipped = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", str(tmp_path / "program.py")],
                             capture_output=True, text=True, env=env, timeout=300)
    assert shipped.returncode == 0, shipped.stderr
    result, before = json.loads(shipped.stdout), json.loads(where_built.stdout)
    assert result["stats"]["compiles"] == 0 and result["stats"]["prebuilt_hits"] == 6
    assert result["backends"] == ["native"] * 3
    assert {k: result[k] for k in ("dots", "total", "scalar")} == {k: before[k] for k in ("dots", "total", "scalar")}


def test_the_no_compiler_warning_names_the_record_and_warm_route():
    assert "RESIN_JIT_RECORD=FILE" in record.WARM_ROUTE and "resin-jit warm --manifest FILE" in record.WARM_ROUTE
    assert "RESIN_JIT_PREBUILT=DIR" in record.WARM_ROUTE
    from resin_jit import compiler
    cg = canonical_graph([x * 11.0], None, "float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiler._warn_numpy_kernel(cg, "no C compiler found")
    assert record.WARM_ROUTE in str(caught[0].message)


@needs_native
def test_the_demos_manifest_is_its_recording(tmp_path):
    """warm's "demo" entry is resin_jit/demo_manifest.json, the recording of `resin-jit demo`: the
    demo recorded again asks for exactly those kernels (a change to the tour shows here)."""
    path = tmp_path / "demo.json"
    env = {k: v for k, v in os.environ.items() if k != "RESIN_JIT_ULP"}
    proc = subprocess.run([sys.executable, "-m", "resin_jit", "demo", "--output", str(tmp_path / "demo.wav")],
                          capture_output=True, text=True, timeout=600, env={**env, "RESIN_JIT_RECORD": str(path)})
    assert proc.returncode == 0, proc.stderr
    shipped = warm.load_manifest(warm.DEMO_MANIFEST)
    assert sorted(map(record._text, warm.load_manifest(str(path)))) == sorted(map(record._text, shipped))
    assert {e["op"] for e in shipped if e["kind"] == "vsa"} == {"dot", "cosine", "pack", "norms", "top_k_cosine"}
