"""The pinned npm toolchain (anvil, Aave v3.0 artifacts, Aave v3.6 and Morpho Blue sources, solc-js)
and the compile step.

A fresh machine has only node and npm: the first use runs `npm ci --ignore-scripts` against the
package-lock.json shipped in this package, into the cache, so versions are exactly the locked
ones and the repository stays clean. Later uses find the installed folder and skip npm.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from chainwatch.devnet.cache import LOCKFILE, PACKAGE_DIR, cache_root, content_hash, exclusive
from chainwatch.devnet.errors import DevnetError
from chainwatch.files import write_atomic

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


def node_modules(manifests: tuple[Path, Path] = MANIFESTS) -> Path:
    """The node_modules of a pinned package.json + lockfile pair (the devnet's by default),
    installed with `npm ci` into the cache on first use."""
    target = cache_root() / "toolchain" / content_hash(manifests)
    if (target / "node_modules").is_dir():
        return target / "node_modules"
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise DevnetError("npm not found: install Node.js 18+ (with npm)")
    with exclusive("toolchain"):
        if not (target / "node_modules").is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
            for manifest in manifests:
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


@functools.cache
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


# Our contracts: plain optimised builds. Morpho Blue: the settings of its own foundry.toml
# (via-IR, 999999 runs, no metadata hash), so the bytecode is the one Morpho deploys.
SOLC = "solc"  # 0.8.19
OWN_SETTINGS = {"optimizer": {"enabled": True, "runs": 200}, "evmVersion": "paris"}
MORPHO_SETTINGS = {
    "viaIR": True,
    "optimizer": {"enabled": True, "runs": 999999},
    "evmVersion": "paris",
    "metadata": {"bytecodeHash": "none"},
}
MORPHO_CONTRACT = "Morpho"

# Aave v3.6 (@aave-dao/aave-v3-origin 3.6.0, what Ethereum's Aave Core market runs): the compiler
# and settings of its foundry.toml (solc 0.8.27, 200 runs, shanghai, no metadata hash, no via-IR)
# and its remappings, pointed at the npm packages it pins (the npm OpenZeppelin packages have no
# inner contracts/ folder, the git submodules do).
AAVE_V36_SOLC = "solc-0.8.27"
AAVE_V36_SETTINGS = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "shanghai",
    "metadata": {"bytecodeHash": "none"},
    "remappings": [
        "openzeppelin-contracts-upgradeable/contracts/=@openzeppelin/contracts-upgradeable/",
        "openzeppelin-contracts/contracts/=@openzeppelin/contracts/",
        "solidity-utils/=@bgd-labs/solidity-utils/src/",
    ],
}
_V36_LOGIC = "src/contracts/protocol/libraries/logic"
# What the devnet deploys of v3.6: contract name -> its file in the package. The *Instance
# contracts are the implementations Aave deploys behind the Pool, configurator and token proxies.
AAVE_V36_CONTRACTS = {
    "PoolAddressesProvider": "src/contracts/protocol/configuration/PoolAddressesProvider.sol",
    "ACLManager": "src/contracts/protocol/configuration/ACLManager.sol",
    "DefaultReserveInterestRateStrategyV2": "src/contracts/misc/DefaultReserveInterestRateStrategyV2.sol",
    "SupplyLogic": f"{_V36_LOGIC}/SupplyLogic.sol",
    "BorrowLogic": f"{_V36_LOGIC}/BorrowLogic.sol",
    "LiquidationLogic": f"{_V36_LOGIC}/LiquidationLogic.sol",
    "PoolLogic": f"{_V36_LOGIC}/PoolLogic.sol",
    "ConfiguratorLogic": f"{_V36_LOGIC}/ConfiguratorLogic.sol",
    "FlashLoanLogic": f"{_V36_LOGIC}/FlashLoanLogic.sol",
    "PoolInstance": "src/contracts/instances/PoolInstance.sol",
    "PoolConfiguratorInstance": "src/contracts/instances/PoolConfiguratorInstance.sol",
    "AaveOracle": "src/contracts/misc/AaveOracle.sol",
    "AaveProtocolDataProvider": "src/contracts/helpers/AaveProtocolDataProvider.sol",
    "ATokenInstance": "src/contracts/instances/ATokenInstance.sol",
    "VariableDebtTokenInstance": "src/contracts/instances/VariableDebtTokenInstance.sol",
}


def _compile(
    kind: str, solc: str, settings: dict[str, Any], root: Path, sources: list[Path], key_inputs: list[Path]
) -> dict[str, Any]:
    """solc standard-JSON output for `sources` (imports resolved under `root`, then node_modules),
    cached by a hash of the inputs, the compiler, the settings and the source names.

    Via-IR Morpho takes ~20 s and ~300 MB, Aave v3.6 ~15 s, so no build compiles the same thing twice.
    """
    settings_json = json.dumps(settings, sort_keys=True)
    names = ",".join(str(source.relative_to(root)) for source in sources)
    key = f"{content_hash(key_inputs)}:{solc}:{settings_json}:{names}"
    out = cache_root() / "contracts" / f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    if not out.is_file():
        modules = node_modules()
        with exclusive("compile"):
            if not out.is_file():
                with tempfile.TemporaryDirectory() as tmp:
                    raw = Path(tmp) / "solc-output.json"
                    command = ["node", str(COMPILE_SCRIPT), str(modules), solc, str(raw), settings_json, str(root)]
                    _run([*command, *map(str, sources)], PACKAGE_DIR, f"solc compile ({kind})")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    write_atomic(out, raw.read_bytes())
    return json.loads(out.read_text())


def _morpho_sources() -> tuple[Path, list[Path]]:
    root = node_modules() / "@morpho-org" / "morpho-blue" / "src"
    if not (root / "Morpho.sol").is_file():
        raise DevnetError(f"Morpho.sol missing in {root}: delete {root.parents[3]} and retry")
    return root, sorted(p for p in root.rglob("*.sol") if "mocks" not in p.relative_to(root).parts)


def compiled_contracts() -> dict[str, dict[str, Any]]:
    """Our contracts and Morpho Blue, compiled with the pinned solc-js: name -> {abi, bytecode,
    deployedBytecode}.

    Each compiler output is cached by a hash of the lockfile, the compile script, the settings
    and (for ours) the sources; Morpho's sources are fixed by the lockfile.
    """
    sources = own_sources()
    ours = _compile("own", SOLC, OWN_SETTINGS, CONTRACTS_DIR, sources, [*MANIFESTS, COMPILE_SCRIPT, *sources])
    morpho_root, morpho_sources = _morpho_sources()
    morpho = _compile("morpho", SOLC, MORPHO_SETTINGS, morpho_root, morpho_sources, [*MANIFESTS, COMPILE_SCRIPT])
    units = [*ours["contracts"].values(), {MORPHO_CONTRACT: morpho["contracts"]["Morpho.sol"][MORPHO_CONTRACT]}]
    return {
        name: {
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
        }
        for unit in units
        for name, contract in unit.items()
    }


@functools.cache
def _aave_v36_artifacts(modules: Path) -> dict[str, dict[str, Any]]:
    root = modules / "@aave-dao" / "aave-v3-origin"
    sources = [root / path for path in AAVE_V36_CONTRACTS.values()]
    missing = [path for path in sources if not path.is_file()]
    if missing:
        raise DevnetError(f"{missing[0]} missing: delete {modules.parent} and retry")
    output = _compile("aave-v3.6", AAVE_V36_SOLC, AAVE_V36_SETTINGS, root, sources, [*MANIFESTS, COMPILE_SCRIPT])
    artifacts = {}
    for name, path in AAVE_V36_CONTRACTS.items():
        contract = output["contracts"][path][name]
        artifacts[name] = {
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "linkReferences": contract["evm"]["bytecode"]["linkReferences"],
        }
    return artifacts


def aave_v36_artifact(name: str) -> dict[str, Any]:
    """An Aave v3.6 contract compiled from @aave-dao/aave-v3-origin (abi, bytecode, linkReferences,
    as in a Hardhat artifact) by contract name; the first use compiles all of them (~15 s, cached)."""
    artifacts = _aave_v36_artifacts(node_modules())
    if name not in artifacts:
        raise DevnetError(f"contract {name} is not among the Aave v3.6 contracts the devnet compiles")
    return artifacts[name]
