"""The package as users meet it: help() of every public function says what it returns,
every bound attribute has a docstring, and the type stubs match the module.
(`pip install .` and `cmake --install` are exercised by .ci/test-install.)"""
import inspect
import re
import subprocess
import sys

import pytest

import progsurv
from progsurv import _core
from conftest import PYTHON_DIR, REPO

RETURNS = re.compile(r"\breturns?\b", re.IGNORECASE)


def public_callables():
    for name in progsurv.__all__:
        obj = getattr(progsurv, name)
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue
            for member_name, member in vars(obj).items():
                if not member_name.startswith("_") and inspect.isfunction(member):
                    yield f"{name}.{member_name}", member
        elif callable(obj):
            yield name, obj


@pytest.mark.parametrize("name, obj", list(public_callables()), ids=lambda x: str(x))
def test_public_functions_say_what_they_return(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert RETURNS.search(doc), f"help({name}) does not say what it returns:\n{doc}"


def test_bound_attributes_have_docstrings():
    missing = []
    for cls_name in ("Result", "Scenario", "Sweep", "SweepResult"):
        for name, member in vars(getattr(_core, cls_name)).items():
            if isinstance(member, property) and not (member.__doc__ or "").strip():
                missing.append(f"{cls_name}.{name}")
    assert not missing, f"bound attributes without a docstring: {missing}"


def test_type_stubs_are_current():
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "make_stubs.py"), "--check"],
        env={"PYTHONPATH": str(PYTHON_DIR)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (REPO / "bindings" / "progsurv" / "py.typed").exists()
