"""Arrays reach Python without copies: views into the Result, which they keep alive."""
import gc
import weakref

import numpy as np
import pytest

import progsurv


@pytest.fixture()
def result(baseline):
    return progsurv.run(baseline, replications=3000, seed=1, keep_replications=True)


def address(a):
    return a.__array_interface__["data"][0]


def arrays(r):
    yield "grid", r.grid
    yield "survival_curve", r.survival_curve
    for c in progsurv.CATEGORIES:
        yield f"curve({c})", r.curve(c)
        yield f"curve_count({c})", r.curve_count(c)
    for name in ("outcome_share", "outcome_share_started", "cause_share", "quantile_levels",
                 "completion_quantile", "completion_quantile_given", "value_levels",
                 "value_prob", "value_quantile", "mean", "se", "convergence_n",
                 "convergence_p", "tally_grid", "tally_category_count", "tally_end_bins",
                 "tally_completion_hist", "tally_phases_by_category", "tally_moments",
                 "tally_checkpoint_n", "tally_checkpoint_completed"):
        yield name, getattr(r, name)
    for name in progsurv._core.record_names:
        yield f"record({name})", r.record(name)


def test_base_is_the_result(result):
    for name, a in arrays(result):
        assert isinstance(a, np.ndarray), name
        assert a.base is result, name
        assert not a.flags.writeable, name
        assert not a.flags.owndata, name


def test_no_copy_between_calls(result):
    # Two requests give views of the same memory.
    assert address(result.survival_curve) == address(result.survival_curve)
    assert address(result.record("end_time")) == address(result.record("end_time"))
    assert np.shares_memory(result.curve("completed"), result.curve("completed"))


def test_estimates_are_strided_views(result):
    s = result.survival_curve
    assert s.shape == (len(result.grid), 3)
    assert s.strides == (24, 8)  # rows are C++ Estimate{estimate, lower, upper}
    column = s[:, 1]  # slicing a column is still a view into the C++ vector
    assert address(column) == address(s) + 8
    assert np.all(s[:, 1] <= s[:, 0]) and np.all(s[:, 0] <= s[:, 2])


def test_read_only(result):
    with pytest.raises(ValueError):
        result.grid[0] = 5.0


def test_array_keeps_result_alive(baseline):
    r = progsurv.run(baseline, replications=2000, seed=1)
    alive = weakref.ref(r)
    curve = r.curve("completed")
    expected = curve.copy()
    del r
    gc.collect()
    assert alive() is not None  # the array holds the Result
    assert np.array_equal(curve, expected)
    del curve
    gc.collect()
    assert alive() is None  # and nothing else does


def test_loaded_result_arrays_too(tmp_path, result):
    path = tmp_path / "r.h5"
    result.to_hdf5(path)
    loaded = progsurv.load(path)
    assert loaded.survival_curve.base is loaded
    assert loaded.record("value").base is loaded
