"""The pinned npm toolchain (anvil, Aave v3 artifacts, solc-js) and the compile step.

A fresh machine has only node and npm: the first use runs `npm ci --ignore-scripts` against the
package-lock.json shipped in this package, into the cache, so versions are exactly the locked
ones and the repository stays clean. Later uses find the installed folder and skip npm.
"""

from __future__ import annotations

import functools
import json
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from chainwatch.devnet.cache import LOCKFILE, PACKAGE_DIR, atomic_write, cache_root, content_hash, exclusive
from chainwatch.devnet.errors import DevnetError

CONTRACTS_DIR = PACKAGE_DIR / "contracts"
COMPILE_SCRIPT = PACKAGE_DIR / "compile.js"
MANIFESTS = (PACKAGE_DIR / "package.json", LOCKFILE)

# npm platform package names of @foundry-rs/anvil, by (system, machine).
_ANVIL_PLATFORMS = {
    ("Linux", "x86_64"): "anvil-linux-amd64",
    ("Linux", "aarch64"): "anvil-linux-arm64",
    ("Darwin", "x86_64"): "anvil-darwin-amd64",
    ("Darwin", "arm64"): "anvil-darwin-arm64",
}


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    """Run a build command; on failure raise a one-line DevnetError with the tool's last line."""
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DevnetError(f"{cmd[0]} not found: install Node.js 18+ (with npm)") from None
    if done.returncode != 0:
        raise DevnetError(f"{what} failed: {_first_error(done.stderr or done.stdout) or done.returncode}")


def _first_error(output: str) -> str:
    """The line that says what went wrong, skipping npm's warnings, error codes and log pointers."""
    noise = ("npm warn", "npm error code", "npm error A complete log")
    lines = [line.strip() for line in output.splitlines()]
    meaningful = [line for line in lines if line and line != "npm error" and not line.startswith(noise)]
    return meaningful[0] if meaningful else ""


def node_modules() -> Path:
    """The installed toolchain's node_modules, installing it with `npm ci` on first use."""
    target = cache_root() / "toolchain" / content_hash(MANIFESTS)
    if (target / "node_modules").is_dir():
        return target / "node_modules"
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise DevnetError("npm not found: install Node.js 18+ (with npm)")
    with exclusive("toolchain"):
        if not (target / "node_modules").is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
            for manifest in MANIFESTS:
                shutil.copy2(manifest, staging / manifest.name)
            try:
                _run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], staging, "npm ci")
                staging.rename(target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    return target / "node_modules"


def anvil_binary() -> Path:
    """Path of the anvil executable shipped in the platform package of @foundry-rs/anvil."""
    key = (platform.system(), platform.machine())
    if key not in _ANVIL_PLATFORMS:
        raise DevnetError(f"no anvil build for {key[0]} {key[1]} in @foundry-rs/anvil")
    binary = node_modules() / "@foundry-rs" / _ANVIL_PLATFORMS[key] / "bin" / "anvil"
    if not binary.is_file():
        raise DevnetError(f"anvil missing at {binary}: delete {binary.parents[3]} and retry")
    return binary


@functools.lru_cache(maxsize=None)
def _aave_artifact_paths(root: Path) -> dict[str, Path]:
    return {
        path.stem: path
        for path in (root / "@aave" / "core-v3" / "artifacts").rglob("*.json")
        if not path.name.endswith(".dbg.json")
    }


def aave_artifact(name: str) -> dict[str, Any]:
    """A Hardhat artifact from @aave/core-v3 (abi, bytecode, linkReferences) by contract name."""
    paths = _aave_artifact_paths(node_modules())
    if name not in paths:
        raise DevnetError(f"artifact {name} not found in @aave/core-v3")
    return json.loads(paths[name].read_text())


def own_sources() -> list[Path]:
    """Our Solidity files; their content is part of every build key."""
    return sorted(CONTRACTS_DIR.glob("*.sol"))


def compiled_contracts() -> dict[str, dict[str, Any]]:
    """Our contracts compiled with the pinned solc-js: name -> {abi, bytecode, deployedBytecode}.

    The compiler output is cached by a hash of the lockfile, the sources and the compile script.
    """
    inputs = [*MANIFESTS, COMPILE_SCRIPT, *own_sources()]
    out = cache_root() / "contracts" / f"{content_hash(inputs)}.json"
    if not out.is_file():
        modules = node_modules()
        with exclusive("compile"), tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "solc-output.json"
            sources = [str(path) for path in own_sources()]
            _run(["node", str(COMPILE_SCRIPT), str(modules), str(raw), *sources], PACKAGE_DIR, "solc compile")
            atomic_write(out, raw.read_bytes())
    output = json.loads(out.read_text())
    return {
        name: {
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
        }
        for unit in output["contracts"].values()
        for name, contract in unit.items()
    }
