import math

import numpy as np
import pytest

import gip
from gip import lambdas


@pytest.mark.parametrize("p", [0.1, 0.5, 0.75, 1.0])
@pytest.mark.parametrize("lam_max", [0.5, 1.0])
def test_linear_schedule(p, lam_max):
    T = 100
    sched = lambdas.Linear(p=p, lam_max=lam_max)
    assert sched(T - 1, T) == pytest.approx(lam_max)  # tau = 1
    vals = [sched(t, T) for t in range(-1, T)]
    assert all(0.0 <= v <= 1.0 for v in vals)
    assert all(b >= a - 1e-12 for a, b in zip(vals, vals[1:]))  # monotone in tau
    for t in range(-1, T):
        tau = (t + 1) / T
        if tau <= 1 - p:
            assert sched(t, T) == 0.0
        else:
            assert sched(t, T) == pytest.approx(lam_max * (tau - (1 - p)) / p)


def test_p_zero_is_repaint():
    assert all(lambdas.Linear(p=0.0)(t, 50) == 0.0 for t in range(-1, 50))


def test_other_schedules():
    T = 10
    assert lambdas.Constant(0.3)(4, T) == 0.3
    assert lambdas.Step(p=0.5)(9, T) == 1.0 and lambdas.Step(p=0.5)(3, T) == 0.0
    assert lambdas.Floor(p=0.2)(-1, T) == pytest.approx(0.2) and lambdas.Floor(p=0.2)(T - 1, T) == 1.0
    c = lambdas.Cosine(p=1.0)
    assert c(-1, T) == 0.0 and c(T - 1, T) == pytest.approx(1.0) and c(4, T) == pytest.approx(0.5 * (1 - math.cos(math.pi * 0.5)))


def test_values_validates_callables():
    assert lambdas.values(lambda t, T: 0.5, 4) == [0.5] * 5
    assert lambdas.values(None, 3) == [0.0] * 4
    assert lambdas.values(np.float32(0.25), 2) == [0.25] * 3
    with pytest.raises(gip.GipError, match="outside"):
        lambdas.values(lambda t, T: 1.5, 4)
    with pytest.raises(gip.GipError, match="outside"):
        lambdas.values(lambda t, T: float("nan"), 4)


@pytest.mark.parametrize("bad", [dict(p=1.2), dict(p=-0.1), dict(lam_max=2.0)])
def test_out_of_range_parameters(bad):
    with pytest.raises(gip.GipError, match="in \\[0, 1\\]"):
        lambdas.Linear(**bad)
    with pytest.raises(gip.GipError):
        lambdas.as_schedule(1.5)


def test_by_name():
    assert lambdas.by_name("floor", 0.3) == lambdas.Floor(p=0.3)
    assert lambdas.by_name("linear", 0.75, lam_max=0.5) == lambdas.Linear(p=0.75, lam_max=0.5)
    assert lambdas.by_name("constant", 0.9, lam_max=0.4) == lambdas.Constant(0.4)  # p is unused for a constant
    assert set(lambdas.SCHEDULES) == {"linear", "cosine", "step", "floor"}
    with pytest.raises(gip.GipError, match="unknown lambda schedule 'quadratic'.*linear, cosine, step, floor, constant"):
        lambdas.by_name("quadratic", 0.5)
    with pytest.raises(gip.GipError, match="p must be"):
        lambdas.by_name("floor", 1.5)


def test_name_of_gives_the_cli_and_explorer_name():
    assert lambdas.name_of(lambdas.Floor(p=0.3)) == "floor" and lambdas.name_of(lambdas.Cosine()) == "cosine"
    assert lambdas.name_of(lambdas.Constant(0.5)) == "constant"
    assert lambdas.name_of(lambda t, T: 0.0) == "linear" and lambdas.name_of(lambda t, T: 0.0, default="?") == "?"
    for name in lambdas.SCHEDULES:
        assert lambdas.name_of(lambdas.by_name(name, 0.5)) == name


def test_reshape_keeps_what_is_not_given():
    """The one schedule translation (CLI, explorer, grids, sweeps): name, p and lam_max -> a schedule."""
    L, F = lambdas.Linear, lambdas.Floor
    assert lambdas.reshape(F(p=0.3, lam_max=0.5), p=0.6) == F(p=0.6, lam_max=0.5)  # kind and lam_max kept
    assert lambdas.reshape(F(p=0.3), lam_max=0.8) == F(p=0.3, lam_max=0.8)
    assert lambdas.reshape(lambdas.Cosine(p=0.4), "cosine", lam_max=0.9) == lambdas.Cosine(p=0.4, lam_max=0.9)
    # a new kind takes its class's own default p, and lam's lam_max
    assert lambdas.reshape(L(p=0.75, lam_max=0.5), "floor") == F(p=0.5, lam_max=0.5)
    assert lambdas.reshape(F(p=0.3), "linear") == L(p=1.0) and lambdas.reshape(L(p=0.3), "step") == lambdas.Step(p=0.5)
    # constants: their value is kept or replaced by lam_max; p makes a constant linear
    assert lambdas.reshape(L(lam_max=0.8), "constant") == lambdas.Constant(0.8)
    assert lambdas.reshape(lambdas.Constant(0.3), lam_max=0.6) == lambdas.Constant(0.6)
    assert lambdas.reshape(0.3, p=0.5) == L(p=0.5) and lambdas.reshape(0.3, "floor") == F()
    custom = lambda t, T: 0.2  # noqa: E731
    assert lambdas.reshape(custom).fn is custom and lambdas.reshape(custom, p=0.25) == L(p=0.25)
    assert lambdas.reshape(F(p=0.3)) == F(p=0.3) and lambdas.reshape(0.5) == lambdas.Constant(0.5)
    with pytest.raises(gip.GipError, match="unknown lambda schedule 'wavy'"):
        lambdas.reshape(L(), "wavy")
    with pytest.raises(gip.GipError, match="p must be"):
        lambdas.reshape(L(), p=1.5)


def test_parameters_are_what_the_controls_show():
    assert lambdas.parameters(lambdas.Floor(p=0.3, lam_max=0.5)) == ("floor", 0.3, 0.5)
    assert lambdas.parameters(lambdas.Constant(0.2)) == ("constant", 1.0, 0.2)
    assert lambdas.parameters(lambda t, T: 0.0) == ("linear", 1.0, 1.0)
    for lam in (lambdas.Floor(p=0.3, lam_max=0.5), lambdas.Constant(0.2), lambdas.Cosine(p=0.7)):
        assert lambdas.reshape(None, *lambdas.parameters(lam)) == lam  # a round trip
