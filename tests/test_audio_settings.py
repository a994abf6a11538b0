"""Issue 17 (items 13 and 14): what an audio constructor is given. A keyword it does not know is a
TypeError naming those it does; a setting of NaN, ±inf or 1e300 is refused where it is given (a
ValueError naming it) or computes the same on the native and the numpy backend, whether it is
given at construction, set as a parameter or carried by a signal."""
import math

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio
from resin_jit.front.canonical import canonical_graph
from resin_jit.front.plan import plan_kernel

from support import NATIVE, TIERS, compiler_for
from support.audio import signal

HOSTILE = [math.nan, math.inf, -math.inf, 1e300, -1e300]
TOLERANCE = 2e-5   # the two backends' transcendental functions differ by a few ULP (test_audio_nodes.py)
# What an entry of audio.NODES needs besides its defaults.
NEEDS = {"Mix": {"weights": [0.5, 0.25]}, "Constant": {"value": 0.5}, "Affine": {"a": 2.0, "b": 1.0},
         "Smooth": {"time": 0.01}, "Delay": {"time": 0.0002, "maximum": 0.001},
         "Comb": {"time": 0.0002, "maximum": 0.001}, "Allpass": {"time": 0.0002, "maximum": 0.001}}
# Numbers a constructor takes that are not runtime parameters (the key holds them).
FIXED_NUMBERS = {"Constant": ["value"], "Affine": ["a", "b"], "Smooth": ["time"], "Delay": ["maximum"],
                 "Comb": ["maximum"], "Allpass": ["maximum"], "Limiter": ["lookahead"]}
# A bound of ±inf is no bound on that side (Clip's docstring); NaN is still refused.
INFINITE_OK = {("Clip", "lo"), ("Clip", "hi")}


def make(name, **settings):
    """audio.NODES[name] with these settings (Mix's weights by their parameter names weight0, weight1)."""
    arguments = {**NEEDS.get(name, {}), **settings}
    if name == "Mix":
        weights = arguments.pop("weights")
        arguments["weights"] = [arguments.pop(f"weight{i}", w) for i, w in enumerate(weights)]
    return audio.NODES[name](**arguments)


def applied(node, x):
    """The node's outputs for input x (a source's plus x, so that every graph has an input)."""
    if isinstance(node, audio.Pan):
        return list(node(x))
    if isinstance(node, audio.Constant) or getattr(node, "inputs", 1) == 0:
        return node() + x
    return node(*[x * float(k + 1) for k in range(getattr(node, "inputs", 1))])


def default_graph(name):
    """The canonical graph of the node with its defaults, on input x."""
    graph = applied(make(name), rj.input("x"))
    return canonical_graph(graph if isinstance(graph, list) else [graph], ["x"], "float32")


def parameter_settings(name):
    """The node's runtime settings: its parameters' names ("label.setting") after the label."""
    return [p.split(".", 1)[1] for p in default_graph(name).param_names]


def outputs(kernel, *arrays):
    """The kernel's outputs for `arrays` from its initial state, as float64 arrays."""
    kernel.reset()
    result = kernel(*arrays)
    return [np.asarray(r, np.float64) for r in (result if isinstance(result, (list, tuple)) else [result])]


_references = {}   # the numpy backend's outputs: the same for every tier, so computed once


def reference(key, numpy_kernel, calls):
    """The numpy kernel's outputs for each of `calls` (tuples of arrays), remembered under `key`."""
    if key not in _references:
        _references[key] = [outputs(numpy_kernel, *arrays) for arrays in calls]
    return _references[key]


def assert_agree(native, expected, calls, what):
    """The native kernel's outputs for each of `calls` are the numpy backend's `expected`: NaN
    where it has NaN, ±inf alike, the rest within TOLERANCE."""
    for arrays, theirs in zip(calls, expected):
        for a, b in zip(outputs(native, *arrays), theirs):
            np.testing.assert_allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE, err_msg=what)


def samples(dtype):
    """Calls of one input: one channel, and three (SIMD lanes, a partial group of them)."""
    one = signal(301).astype(dtype)
    return [(one,), (np.stack([one, -one, one * 0.25]),)]


CASES = [(name, setting) for name in audio.NODES for setting in parameter_settings(name)]


# -- 13: unknown keywords ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", audio.NODES)
def test_a_misspelt_keyword_is_a_type_error_naming_the_known_ones(name):
    with pytest.raises(TypeError, match="frequncy") as caught:
        make(name, frequncy=220.0)
    if name != "Affine":   # front/nodes.py's Affine is the graph core's (Python's own message names only the stranger)
        known = [s for s in (*NEEDS.get(name, {}), *parameter_settings(name)) if not s.startswith("weight")]
        assert "it takes:" in str(caught.value) and all(s in str(caught.value) for s in known), caught.value


def test_a_misspelt_oscillator_frequency_adds_no_parameter():
    """SineOsc(frequncy=220.0) played 440 Hz with a parameter sine.frequncy."""
    with pytest.raises(TypeError, match=r"SineOsc\(\) got unexpected keyword argument\(s\) 'frequncy'; "
                                        r"it takes: frequency, sample_rate, phase, name, freeze, smooth"):
        audio.SineOsc(frequncy=220.0)


# -- 14: NaN, ±inf, 1e300 ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, setting", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_a_setting_that_is_no_finite_number_is_refused_at_construction(name, setting):
    for value in (math.nan, math.inf, -math.inf):
        if (name, setting) in INFINITE_OK and math.isinf(value):
            continue
        with pytest.raises(ValueError, match=rf"\b{setting} must be .*, not {value}$"):
            make(name, **{setting: value})


def test_settings_given_at_construction_are_refused_or_agree(numpy_jit):
    """Every number a constructor takes, hostile: a ValueError naming it (at construction, or at
    compile for what depends on the sample rate), or the same on both backends. (One tier: a
    number given at construction is a parameter's value, as below, or a constant.)"""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    jit, x = compiler_for(TIERS[-1]), rj.input("x")
    for name in audio.NODES:
        for setting in (*parameter_settings(name), *FIXED_NUMBERS.get(name, ())):
            for value in HOSTILE:
                try:   # a frequency above Nyquist is refused once the graph's sample rate is known
                    graph = applied(make(name, **{setting: value}), x)
                    native, numpy_kernel = jit.compile(graph), numpy_jit.compile(graph)
                except ValueError as exc:
                    assert setting in str(exc), exc
                    continue
                calls = samples("float32")
                expected = reference(("construction", name, setting, value), numpy_kernel, calls)
                assert_agree(native, expected, calls, f"{name}({setting}={value})")


def groups():
    """The nodes with parameters in three graphs, by the loop their kernels run: stateless (a
    vector loop), stateful with channels in SIMD lanes, stateful one channel at a time."""
    found = {}
    for name in audio.NODES:
        if parameter_settings(name):
            cg = default_graph(name)
            template = plan_kernel(cg, "float32").template
            kind = {"channels": "channel lanes", "stateful": "one channel at a time"}.get(template, "stateless")
            found.setdefault(kind, []).append(name)
    return found


GROUPS = groups()


def signal_groups(most=24):
    """GROUPS cut so that a graph's inputs (x and every setting) and outputs stay within `most`
    buffers (a call carries abi.MAX_ARGS)."""
    found = {}
    for kind, names in GROUPS.items():
        part, used = [], 1
        for name in names:
            buffers = len(parameter_settings(name)) + len(default_graph(name).outputs)
            if part and used + buffers > most:
                found[f"{kind} {len(found)}"], part, used = part, [], 1
            part.append(name)
            used += buffers
        found[f"{kind} {len(found)}"] = part
    return found


SIGNAL_GROUPS = signal_groups()


def group_graph(names, settings_as_inputs=False):
    """(outputs, {parameter or input name: (node, setting)}): every node of `names` on input x, its
    settings parameters or, with settings_as_inputs, inputs of their own."""
    outputs, controls, x = [], {}, rj.input("x")
    for name in names:
        settings = {}
        for setting in parameter_settings(name) if settings_as_inputs else ():
            control = f"s{len(controls)}"
            controls[control] = (name, setting)
            settings[setting] = rj.input(control)
        out = applied(make(name, **settings), x)
        outputs += out if isinstance(out, list) else [out]
    return outputs, controls


def test_the_groups_hold_every_node_with_parameters():
    with_parameters = sorted(n for n in audio.NODES if parameter_settings(n))
    for found in (GROUPS, SIGNAL_GROUPS):
        assert sorted(n for names in found.values() for n in names) == with_parameters
    assert set(GROUPS) == {"stateless", "channel lanes", "one channel at a time"}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("group", GROUPS)
def test_parameters_set_to_anything_agree_on_both_backends(jit, numpy_jit, group, dtype):
    """kernel.params takes any number at run time (test_audio_params.py): the backends must then agree."""
    graph, _ = group_graph(GROUPS[group])
    native, numpy_kernel = jit.compile(graph, dtype=dtype), numpy_jit.compile(graph, dtype=dtype)
    defaults, calls = dict(native.params.items()), samples(dtype)
    for parameter in defaults:
        for value in HOSTILE:
            native.params[parameter] = numpy_kernel.params[parameter] = value
            expected = reference(("parameter", group, dtype, parameter, value), numpy_kernel, calls)
            assert_agree(native, expected, calls, f"{parameter} = {value}")
        native.params[parameter] = numpy_kernel.params[parameter] = defaults[parameter]


@pytest.mark.parametrize("group", SIGNAL_GROUPS)
def test_settings_carried_by_signals_agree_on_both_backends(jit, numpy_jit, group):
    """Each setting a signal (modulation) at its default value, one of them hostile: the same on
    both backends."""
    graph, controls = group_graph(SIGNAL_GROUPS[group], settings_as_inputs=True)
    names = ["x", *controls]
    native, numpy_kernel = jit.compile(graph, inputs=names), numpy_jit.compile(graph, inputs=names)
    defaults = {name: dict(zip(parameter_settings(name), default_graph(name).param_defaults.values()))
                for name in SIGNAL_GROUPS[group]}
    x = signal(301)
    for control, (name, setting) in controls.items():
        for value in HOSTILE:
            with np.errstate(over="ignore"):   # 1e300 is inf as a float32 signal
                calls = [(x, *(np.full_like(x, value if c == control else defaults[n][s])
                               for c, (n, s) in controls.items()))]
            expected = reference(("signal", group, control, value), numpy_kernel, calls)
            assert_agree(native, expected, calls, f"{name}: {setting} = {value} as a signal")
