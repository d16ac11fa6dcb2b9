"""The wheel ships every subpackage and the ABIs, read through importlib.resources."""

import tomllib
from pathlib import Path

from chainwatch.abi import function, load_abi

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "chainwatch").rglob("__init__.py")}
    assert found - listed == set()
    assert "chainwatch.abis" in listed


def test_abis_load_from_the_installed_package():
    assert load_abi("Multicall3")
    assert function("ERC20", "balanceOf").signature == "balanceOf(address)"
    assert function("Multicall3", "aggregate3").signature == "aggregate3((address,bool,bytes)[])"
