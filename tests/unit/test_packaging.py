"""The wheel ships every folder of the package, and the ABIs load through importlib.resources."""

import tomllib
from pathlib import Path

from chainwatch.abi import function, load_abi

ROOT = Path(__file__).resolve().parents[2]


def test_every_folder_of_the_package_goes_into_the_wheel():
    """What setuptools' finder, configured as pyproject.toml says, ships: every subpackage and
    the data-only folders (the devnet's Solidity sources)."""
    from setuptools import find_namespace_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert config["namespaces"] is True
    shipped = set(find_namespace_packages(str(ROOT), include=config["include"]))
    folders = {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in (ROOT / "chainwatch").rglob("*")
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(f.is_file() for f in folder.iterdir())
        and "node_modules" not in folder.parts
    }
    assert folders <= shipped
    assert {"chainwatch.abis", "chainwatch.devnet.contracts", "chainwatch.chains"} <= shipped


def test_abis_load_from_the_installed_package():
    assert load_abi("Multicall3")
    assert function("ERC20", "balanceOf").signature == "balanceOf(address)"
    assert function("Multicall3", "aggregate3").signature == "aggregate3((address,bool,bytes)[])"
