"""The audio node library: gains and mixes, oscillators, noise, filters, delays, a reverb,
dynamics and meters, WAV files and frequency responses.

A node instance is applied to input expressions by calling it; sources take none:

    osc = audio.SawOsc(110.0)()
    y = audio.Biquad.lowpass(1000.0, q=0.7071)(osc)
    kernel = jit.compile(y, sample_rate=48000)
    kernel.params["lowpass.frequency"] = 1200.0      # no compile: settings are parameters

Every numeric setting is a runtime parameter named after its node (base.py), or an expression
(modulation), or a constant with freeze=True. Stateful nodes keep their state in double
precision; those marked `channel_simd` run several channels at once, one per SIMD lane;
`evaluate` is each node's numpy/Python implementation (the numpy backend).
"""
from ..front.nodes import Affine
from .analysis import frequency_response
from .base import Smooth
from .basic import Clip, Constant, Gain, Mix, Offset, Pan, SoftClip
from .delays import Allpass, Comb, Delay, Reverb
from .dynamics import Envelope, EnvelopeFollower, Limiter, PeakMeter, RMSMeter
from .filters import Biquad, OnePole
from .io import read_wav, write_wav
from .oscillators import Noise, SawOsc, SineOsc, SquareOsc

# Every audio node by name, with the callable that makes it: the one way a name from outside (a warm
# manifest) becomes a node. Nothing is looked up by attribute.
NODES = {
    "Gain": Gain, "Offset": Offset, "Affine": Affine, "Mix": Mix, "Clip": Clip, "SoftClip": SoftClip,
    "Constant": Constant, "Pan": Pan, "SineOsc": SineOsc, "SawOsc": SawOsc, "SquareOsc": SquareOsc,
    "Noise": Noise, "OnePole": OnePole, "OnePole.lowpass": OnePole.lowpass, "OnePole.highpass": OnePole.highpass,
    "Biquad": Biquad, "Biquad.lowpass": Biquad.lowpass, "Biquad.highpass": Biquad.highpass,
    "Biquad.bandpass": Biquad.bandpass, "Biquad.notch": Biquad.notch, "Biquad.peak": Biquad.peak,
    "Biquad.lowshelf": Biquad.lowshelf, "Biquad.highshelf": Biquad.highshelf,
    "Delay": Delay, "Comb": Comb, "Allpass": Allpass, "Reverb": Reverb, "Envelope": Envelope,
    "EnvelopeFollower": EnvelopeFollower, "Limiter": Limiter, "PeakMeter": PeakMeter, "RMSMeter": RMSMeter,
    "Smooth": Smooth,
}

# The public names, spelled out for type checkers (tests/test_typing.py holds them to NODES).
__all__ = [
    "Affine", "Allpass", "Biquad", "Clip", "Comb", "Constant", "Delay", "Envelope", "EnvelopeFollower", "Gain",
    "Limiter", "Mix", "Noise", "Offset", "OnePole", "Pan", "PeakMeter", "RMSMeter", "Reverb", "SawOsc", "SineOsc",
    "Smooth", "SoftClip", "SquareOsc", "frequency_response", "read_wav", "write_wav",
]
