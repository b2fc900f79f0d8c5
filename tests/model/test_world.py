"""The World's parameter view (zili.model.world.ParamView)."""

from __future__ import annotations

import copy
import pickle

import pytest

from zili.model.world import ParamView
from zili.scenario.compile import flat_params


def test_every_parameter_reads_as_an_attribute_and_none_shadows_a_dict_method():
    from toy import scenario

    p = flat_params(scenario(name="params", firms=50))
    assert len(p) > 100
    assert not set(p) & set(dir(dict)), "a parameter named like a dict method would hide it"
    for name, value in p.items():
        assert getattr(p, name) == value
    with pytest.raises(AttributeError, match="no_such_parameter"):
        p.no_such_parameter  # noqa: B018


def test_a_view_set_item_by_item_copied_or_pickled_keeps_attribute_reads_in_step_with_its_items():
    p = ParamView({"a": 1.0})
    p["b"] = 2.0  # built item by item (as flat_params does) and changed after (as the Mesa port's copy does)
    for q in (ParamView(p), copy.copy(p), copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is ParamView and dict(q) == {"a": 1.0, "b": 2.0}
        q["b"] = 5.0
        q["c"] = 3.0
        assert (q.a, q.b, q.c) == (1.0, 5.0, 3.0)
        assert p.b == 2.0 and not hasattr(p, "c")  # the original is untouched
