"""Inputs that test csrc/vmath.h's accuracy claims with material nobody here wrote and values picked
to hurt (tests/test_vmath_reference.py measures them against mpmath):

- numpy's own validation tables (numpy/_core/tests/data/umath-validation-set-NAME.csv, shipped
  with numpy's tests): the inputs of their float32 and float64 rows, for the functions they cover;
- adversarial inputs: each algorithm's breakpoints in csrc/vmath_*.h (both the double and the
  float cores), the doubles closest to multiples of pi/2 (from the continued fraction of pi/2, and
  Kahan and McDonald's hardest case) and to the odd multiples of pi/4 where the quadrant changes,
  overflow and underflow thresholds, arguments whose results are denormals, 1 +- 2^-k for the
  logarithms; every point with its neighbours a few ULP away.

Each generator gives float64 arrays (one per argument); test_vmath_reference.py casts them to the
kernel's dtype.
"""
import csv
import functools
import math
import os

import mpmath as mp
import numpy as np

NEIGHBOURS = 3          # each point and the 3 doubles either side of it


def validation_table(name):
    """The inputs of numpy's validation table for `name` (float32 and float64 rows, as float64),
    or an empty array where numpy ships none or its tests are not installed."""
    folders = [os.path.join(os.path.dirname(np.__file__), core, "tests", "data") for core in ("_core", "core")]
    path = next((p for p in (os.path.join(f, f"umath-validation-set-{name}.csv") for f in folders)
                 if os.path.exists(p)), None)   # numpy 2's layout, then numpy 1's
    if path is None:
        return np.empty(0)
    values = []
    with open(path, newline="") as f:
        for row in csv.reader(line for line in f if not line.startswith("$")):
            if row and row[0] in ("np.float32", "np.float64"):
                bits = np.array([int(row[1], 16)], np.uint32 if row[0] == "np.float32" else np.uint64)
                values.append(float(bits.view(np.float32 if row[0] == "np.float32" else np.float64)[0]))
    return np.array(values, np.float64)


def around(points, steps=NEIGHBOURS):
    """Each point and its `steps` neighbours either side (doubles), both signs when asked by the
    caller; NaN-free."""
    points = np.asarray(points, np.float64)
    out = [points]
    up = down = points
    with np.errstate(over="ignore"):           # the neighbours of the largest double are inf
        for _ in range(steps):
            up, down = np.nextafter(up, np.inf), np.nextafter(down, -np.inf)
            out += [up, down]
    return np.concatenate(out)


def signed(values):
    return np.concatenate([values, -values])


@functools.lru_cache(maxsize=None)
def near_half_pi_multiples():
    """Doubles within a few ULP of multiples of pi/2: n pi/2 for n up to 200 and around 2^20
    (the Cody-Waite limit), numerators p of the continued fraction's convergents p/q of pi/2
    (p is then close to q pi/2) scaled by powers of 2, and 6381956970095103 2^797, the double
    closest to a multiple of pi/2 (Kahan and McDonald)."""
    with mp.workprec(300):
        half_pi = mp.pi / 2
        small = [float(n * half_pi) for n in list(range(1, 201)) + list(range(2 ** 20 - 20, 2 ** 20 + 20, 3))]
        convergents, (h0, h1), (k0, k1), x = [], (0, 1), (1, 0), half_pi
        for _ in range(40):
            a = int(mp.floor(x))
            h0, h1, k0, k1 = h1, a * h1 + h0, k1, a * k1 + k0
            if h1 >= 2 ** 53:
                break
            convergents.append(h1)
            x = 1 / (x - a)
    scaled = [math.ldexp(p, e) for p in convergents if p > 3 for e in (0, 7, 60, 200, 500, 900)]
    hardest = [math.ldexp(6381956970095103, 797)]
    return np.array(small + scaled + hardest)


@functools.lru_cache(maxsize=None)
def near_quarter_pi_odd_multiples():
    """(2n + 1) pi/4: where the reduction moves to the next quadrant."""
    with mp.workprec(200):
        return np.array([float((2 * n + 1) * mp.pi / 4) for n in range(0, 40)] + [float(mp.pi / 4 * 2 ** 21 + mp.pi / 4)])


def _trig():
    edges = [2.0 ** -26, 2.0 ** -27, 1.6e6, 2.0 ** 20, 2.0 ** 25, 1e22, 1.7976931348623157e308, 12800.0]
    return signed(around(np.concatenate([near_half_pi_multiples(), near_quarter_pi_odd_multiples(), edges])))


def _exp_points():
    """k ln2 / 2 crossings (where round(x / ln2) changes), thresholds of exp's range and the
    denormal results."""
    ln2 = math.log(2)
    crossings = [(k + 0.5) * ln2 for k in range(-1075, 1025, 37)] + [(k + 0.5) * ln2 for k in range(-4, 4)]
    # the 1-ULP cores' table index (round(16 x / ln2)) changes: expm1's cancellation is worst there
    crossings += [(k + 0.5) * ln2 / 16 for k in range(-40, 40)]
    edges = [709.782712893384, 709.7827128933840, 709.0, 710.0, -708.3964185322641, -745.1332191019411,
             -744.4400719213812, -740.0, -720.0, 2.0 ** -54, -2.0 ** -54, 2.0 ** -28, 0.3465, 22.0, 40.0, -40.0,
             88.72283935546875, -87.33654022216797, -103.97207641601562, -104.0, 89.0, 2.0 ** -30]
    return around(crossings + edges)


def _log_points():
    ones = [1.0 + 2.0 ** -k for k in range(1, 53)] + [1.0 - 2.0 ** -k for k in range(1, 54)]
    edges = [math.sqrt(2), math.sqrt(0.5), 5e-324, 2.2250738585072014e-308, 1e-310, 1.7976931348623157e308,
             1.401298464324817e-45, 1.1754943508222875e-38, 3.4028234663852886e+38, math.e]
    powers = [10.0 ** k for k in range(-20, 21)] + [2.0 ** k for k in range(-1074, 1024, 41)]
    # the mantissas where the cores move to the octave below (float's 2 float(sqrt(1/2)) too), at
    # exponents from the denormals up
    splits = [m * 2.0 ** k for m in (float.fromhex('0x1.6a09e6p+0'), float.fromhex('0x1.6a09e667f3bcdp+0')) for k in (-1070, -149, -140, -1, 0, 5, 127)]
    return around(ones + edges + powers + splits)


def _cbrt_points():
    """Where the exponent's remainder by 3 changes (powers of 2 and their neighbours), the ends and
    middle of the mantissa's octave, denormals and the largest values."""
    twos = [2.0 ** k for k in range(-1074, 1024, 7)] + [2.0 ** k for k in range(-152, 130)]
    mantissas = [m * 2.0 ** k for m in (1.5, 1.9999999, 1.25, 1.7) for k in range(-150, 130, 3)]
    edges = [5e-324, 1e-310, 2.2250738585072014e-308, 1.401298464324817e-45, 1.1754943508222875e-38,
             3.4028234663852886e+38, 1.7976931348623157e308, 27.0, 8.0, 1.0, 0.125]
    return signed(around(twos + mantissas + edges))


def _log1p_points():
    near_minus_one = [-1.0 + 2.0 ** -k for k in range(1, 53)]
    tiny = [2.0 ** -k for k in range(20, 60)] + [1e-300, 5e-324, 1e-310]
    edges = [math.sqrt(2) - 1, math.sqrt(0.5) - 1, 1.0, 2.0 ** -30, 1e300, 1.7976931348623157e308]
    return np.concatenate([around(near_minus_one + edges), signed(around(tiny))])


def _asin_points():
    near_one = [1.0 - 2.0 ** -k for k in range(1, 54)]
    edges = [0.5, 2.0 ** -26, 2.0 ** -27, 1e-300, 5e-324, 0.25, 0.75]
    return signed(around(near_one + edges))


def _atan_points():
    breaks = [0.4375, 0.6875, 1.1875, 2.4375, 0.41421356237309503, 2.414213562373095, 1.0, 2.0 ** -27,
              2.0 ** -26, 1e-300, 5e-324, 2.0 ** 27, 2.0 ** 53, 1e300, 1.7976931348623157e308,
              0.5, 2.0, 1.0 / 3, 3.0, 2.0 ** 24, 2.0 ** 25, 2.0 ** 60]      # the float core's intervals, its clamp
    return signed(around(breaks))


def _sinh_points():
    edges = [22.0, 0.3465, 0.35, 0.37, 0.45, 2.0 ** -28, 2.0 ** -27, 710.4758600739439, 710.0, 709.0, 1.0, 0.5, 2.0 ** -10,
             89.41598629223294, 89.0, 100.0, 1e-300, 5e-324,
             88.0, 87.99999, 88.00001, 41 * math.log(2), 28.4, 28.5,   # float cores' far path, H's 2^40 cap
             7.9375, 8.0] + [k / 2 for k in range(1, 16)]               # the float cores' table intervals
    return signed(around(np.concatenate([_exp_points()[_exp_points() > 0], edges])))


def _tanh_points():
    edges = [1.0, 0.5, 2.0 ** -28, 2.0 ** -27, 20.0, 19.06154746539849, 0.25, 2.0 ** -10, 0.54930614433405,
             1e-300, 5e-324, 9.01091334, 40.0, 8.3, 8.29999, 8.30001, 12 * math.log(2),   # the float core's far path
             0.046875, 11.5] + [m * 2.0 ** k for k in range(-4, 4) for m in (1.0, 1.5)]   # its table intervals
    crossings = [(k + 0.5) * math.log(2) / 2 for k in range(-60, 60)]
    return signed(around(edges + crossings))


def _asinh_points():
    edges = [2.0, 2.0 ** 28, 2.0 ** -28, 2.0 ** -10, 1.0, 0.5, 1e-300, 5e-324, 1e300, 1.7976931348623157e308,
             3.4028234663852886e+38, 0.88137358701954305]
    return signed(around(edges + [2.0 ** k for k in range(-30, 40, 3)]))


def _acosh_points():
    near_one = [1.0 + 2.0 ** -k for k in range(1, 53)]
    edges = [2.0, 2.0 ** 28, 1.5, 1e300, 1.7976931348623157e308, 3.4028234663852886e+38, 1.5430806348152437,
             2.0 ** 12, 2.0 ** 24]   # (the float core's: log(2x) past 2^12, x^2 - 1 exact below 2^24)
    return around(near_one + edges + [2.0 ** k for k in range(1, 60, 3)])


def _atanh_points():
    near_one = [1.0 - 2.0 ** -k for k in range(1, 54)]
    edges = [0.5, 2.0 ** -28, 2.0 ** -10, 0.25, 1e-300, 5e-324, 0.7615941559557649, 2.0 ** -12, 1 / 3]
    return signed(around(near_one + edges))


def _powers(k):
    """x^k's scaling thresholds (csrc/vmath_pow.h), its overflow and underflow edges and denormal
    results (x^-2 of 1.34e154 to 1.3e162 was 0, issue 17)."""
    over = {3: 5.643803094122247e+102, 4: 1.3407807929942596e+77, -2: 7.458340731200207e-155}[k]
    under = {3: 2.0 ** (-1022 / 3), 4: 2.0 ** (-1022 / 4), -2: 1.3407807929942596e+154}[k]   # denormal below
    zero = {3: 2.0 ** (-1075 / 3), 4: 2.0 ** (-1075 / 4), -2: 1.3e162}[k]                      # 0 beyond
    thresholds = [2.0 ** e for e in (-400, -300, -230, 230, 300, 400, 341, -341, 256, -256, 511, 512, 537)]
    rng = np.random.default_rng(17 + k)
    spread = np.exp(rng.uniform(math.log(min(under, zero)), math.log(max(under, zero)), 200))
    near_over = over * (1 + rng.uniform(-1e-3, 1e-6, 100))
    return signed(np.concatenate([around([over, under, zero] + thresholds), spread, near_over,
                                  [5.643803094122247e+102, 1e160]]))


# The worst arguments the search behind README.md's table found (vmath_check.c d NAME LO HI N
# against long double; pow and arctan2 pairs against quad precision), on the tiers with and without
# FMA: kept so that the test measures close to the numbers the table states.
SEARCHED = {
    "sin": [36956.924904535765, 89528.33344477032, 3.922325504712181, 3.9243044581922044, 3.9189696369710973,
            2.371815597238347],
    "cos": [-2.354366234189115, -2.3543485074184276, -2.33916036203239, -2.3310477114142722, 913.4153527185656],
    "tan": [-3.9256226384336657, 168.8784926067988, -2.372092910218416, -0.7829135965504058, -0.78198462241972067,
            905976.41442415677, 0.785048425, 0.764362872, 2.3576324, 2.38205552, 439.050568, 498.732147,
            -7.0578721363599746, 91.106186954104],
    "arcsin": [-0.5056173513308497, -0.5038091455788029, -0.5217420049353334, -0.5037283311962969, 0.50764662,
               0.561506331, 0.5093632, 0.4648971],
    "arccos": [0.5520096568763203, 0.5415360799254082, 0.5515056402502589, 0.554028273, 0.551434338, 0.54898375,
               0.57830125],
    "arctan": [0.42530211981531424, 0.4246655298613409, 0.4249069370521992, 0.489684135, 0.485644698,
               0.43797467539597984],
    "exp": [-13.516997477405456, -9.350293359123281, -645.66739906744851, -102.22898663577689, -708.6670174223167],
    "expm1": [0.3551718167676551, 0.34766367, 0.35103494, 70.36293, 81.46187, 70.38421, 0.00767708351, -0.0078410723, 0.0219520977,
              0.00744394716, 0.00756067971], "log": [0.7017090325546865, 0.69877573882644872, 1.05267823],
    "log1p": [0.40581017040135253, 0.40575816514116991, 0.053436093], "log2": [1.4095748836954185, 1.4015113785528179, 1.02115762],
    "log10": [1.3255060718362535, 1.3228335167524936, 1.05267048], "sinh": [0.3519134614849903, 0.351861019441922, 0.499999583, 0.49999997,
                                                            2.00159788, 7.97140884],   # float32: every float, ulp=1, 4
    "cosh": [-3.1151147897696125, 45.407561718001205, 225.64206793239043, 120.28227398875072, 5.50097132,
             8.31803703, 7.50119638],
    "tanh": [0.17509503613032887, 0.500133157], "arcsinh": [-0.3506569932101452, 0.35284980857294457, 0.353467941, -0.353221714,
                                                 0.34681984830033957],
    "arccosh": [1.0596250757398358, 1.0583137438856514, 1.06061006, 1.05709279],
    "arctanh": [-0.16746583072067142, -0.171413764, -0.171490535, 0.16864021503768872],
    "arctan2": [(-0.0044164249017497664, 0.010190089735809982), (-0.00081040773324742553, 0.0018569018211518895),
                (15.978192879197199, 39.654778497330611), (-3.3418757123200867e+91, 8.2679877950211331e+91),
                (1.0147243901291858, 2.3368098959859114), (-2.1327307551372974e-26, 4.2692711537789883e-26),
                (2.2469037738227666e-29, 4.4945962761430706e-29),
                (-1.6478931903839111, 3.3655731678009033), (-0.5519059896469116, 1.1223307847976685),
                (1.0600405308144733e-06, 2.3844186574085687e-06)],
    "pow": [(1.4098448472834932, 1710.2944922823383), (1.0000004676122629, -910863362.90861607),
            (9.6535172540912934e+17, -6.7366048934763443), (0.0043028210445964056, -0.95605680615653554),
            (1.4795405667350601, 11.560822078109052), (1.06107378, -1357.64905), (1.06195462, 1412.49756)],
}


def searched(name, arity):
    """SEARCHED's arguments for `name` as `arity` float64 arrays (empty where it has none)."""
    points = [p if isinstance(p, tuple) else (p,) for p in SEARCHED.get(name, [])]
    return tuple(np.array([p[k] for p in points], np.float64) for k in range(arity))


def _unary(name):
    """The generated adversarial arguments of a unary README row (none for a row with no generator
    here: it is measured on numpy's table, if numpy has one, and random samples)."""
    table = {
        "sin": _trig, "cos": _trig, "tan": _trig, "exp": _exp_points,
        "expm1": lambda: np.concatenate([_exp_points(), [-745.0, -1e300, 1e-300],    # the float core's far path:
                                         around([-16.5, -16.0, 16.0, 64.0, -25 * math.log(2), -24.5 * math.log(2)]),
                                         # the float64 1-ULP core's k = 53 (2^-k below half an ULP of head)
                                         around([847.5 * math.log(2) / 16])]),
        "log": _log_points, "log2": _log_points, "log10": _log_points, "log1p": _log1p_points, "cbrt": _cbrt_points,
        "sinh": _sinh_points, "cosh": _sinh_points, "tanh": _tanh_points,
        "arcsin": _asin_points, "arccos": _asin_points, "arctan": _atan_points,
        "arcsinh": _asinh_points, "arccosh": _acosh_points, "arctanh": _atanh_points,
        "x**3": lambda: _powers(3), "x**4": lambda: _powers(4), "x**-2": lambda: _powers(-2),
    }
    return (table[name]() if name in table else np.empty(0),)


def _arctan2():
    """y / x near arctan's breakpoints at many scales, results near pi (x < 0, y tiny), denormal
    ratios and quotients that overflow or underflow."""
    rng = np.random.default_rng(2)
    ratios = around([0.4375, 0.6875, 1.1875, 2.4375, 1.0, 0.41421356237309503, 2.414213562373095, 2.0 ** -27,
                     0.5, 2.0, 2.0 ** -26, 2.0 ** 26, 2.0 ** -25])     # the float core's p >= q/2 and tiny quotients
    scales = 2.0 ** rng.integers(-1000, 1000, ratios.size)
    xs = rng.uniform(1, 2, ratios.size) * scales
    ys = ratios * xs
    tiny_y = 2.0 ** rng.uniform(-1074, -900, 100)
    big_x = 2.0 ** rng.uniform(100, 1023, 100)
    # the float core's scaling thresholds (the larger magnitude near 2^+-60), with ratios near its breakpoints
    edge = np.repeat(around([2.0 ** 60, 2.0 ** -60]), 3)
    edge_ratio = np.tile([0.5, 0.7, 2.0 ** -30], edge.size // 3) * rng.uniform(0.99, 1.01, edge.size)
    y = np.concatenate([ys, -ys, ys, tiny_y, tiny_y, -tiny_y, big_x, [5e-324, 1e-310, 1e308], edge * edge_ratio, -edge])
    x = np.concatenate([xs, xs, -xs, big_x, -big_x, -big_x, tiny_y, [-1.0, -1e300, -1e-300], edge, -edge * edge_ratio])
    return y, x


def _hypot():
    """Denormal results (the reviewer's 0.708), the 2^+-450 scaling thresholds, near overflow."""
    rng = np.random.default_rng(3)
    denormal = 2.0 ** rng.uniform(-1074, -1022, 300) * rng.choice([-1, 1], 300)
    other = denormal * 2.0 ** rng.uniform(-20, 20, 300)
    at = 2.0 ** np.array([450.0, -450.0, 1023.0, -1022.0, 511.0, -537.0])
    thresholds = around(at)
    t_other = thresholds * rng.uniform(0.01, 1.0, thresholds.size)
    return np.concatenate([denormal, thresholds, [1e308, 5e-324]]), np.concatenate([other, t_other, [1e308, 5e-324]])


def _pow():
    """x near 1 with huge y, results near overflow, among the denormals and near underflow,
    negative x with integer y, denormal x, x across the log table's intervals with large y."""
    rng = np.random.default_rng(4)
    near_one = 1.0 + rng.choice([-1, 1], 200) * 2.0 ** -rng.uniform(1, 52, 200)
    target = rng.uniform(-745, 709.7, 200)                  # y log x: any result from 0 to overflow
    y1 = target / np.log(near_one)
    x2 = np.exp(rng.uniform(-700, 700, 200))
    y2 = rng.uniform(-745, -708, 200) / np.log(x2)           # denormal results
    x3 = -np.floor(rng.uniform(2, 1000, 100))
    y3 = np.floor(rng.uniform(-100, 100, 100))
    x4 = 2.0 ** rng.uniform(-1074, -1022, 100)
    y4 = rng.uniform(-0.9, 0.9, 100)
    # every interval of the 1-ULP level's log table (x in [0.71, 1.42)), |y log x| up to 745: the
    # log's low terms matter most where log c and r nearly cancel (x a few 2^-7 from 1)
    x5 = rng.uniform(0.71, 1.42, 300)
    y5 = rng.uniform(-745, 709.7, 300) / np.log(x5)
    return np.concatenate([near_one, x2, x3, x4, x5]), np.concatenate([y1, y2, y3, y4, y5])


def adversarial(name, arity=1):
    """The adversarial arguments for README row `name` of `arity` arguments (a tuple of float64
    arrays, empty where there are none): the generated ones and the searched ones."""
    binary = {"arctan2": _arctan2, "hypot": _hypot, "pow": _pow}
    generated = binary[name]() if name in binary else _unary(name) if arity == 1 else (np.empty(0),) * arity
    return tuple(np.concatenate([g, s]) for g, s in zip(generated, searched(name, len(generated))))
