"""chainwatch never holds a key: no signing code or key material outside the devnet.

The check parses each module (ast), so it judges code, not prose: comments and docstrings may
explain what chainwatch never does, while any import, name, attribute, parameter, option or
other string that signs or asks for a secret is an offence wherever it stands.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "chainwatch"
# Signing APIs of eth-account / web3.
SIGNING_MODULES = ("eth_account", "web3.middleware.signing")
SIGNING_NAMES = re.compile(
    r"^(sign_transaction|signTransaction|send_raw_transaction|sendRawTransaction|sign_message|signMessage|"
    r"from_key|from_mnemonic|create_with_mnemonic|construct_sign_and_send_raw_middleware|SignAndSendRawMiddlewareBuilder)$"
)
# Words that would mean we ask for, or hold, a secret.
SECRET_WORDS = re.compile(r"private[_ -]?key|privatekey|mnemonic|seed[_ -]?phrase|keystore", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (of the module, a class or a function)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    found.add(id(body[0].value))
    return found


def offences(source: str) -> list[tuple[int, str]]:
    """(line, what) for every signing import, signing call or secret word in `source`'s code."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        found += [(node.lineno, f"imports {m}") for m in modules if m.startswith(SIGNING_MODULES)]
        names: list[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.arg):
            names = [node.arg]
        elif isinstance(node, ast.keyword) and node.arg:
            names = [node.arg]
        elif isinstance(node, ast.alias):
            names = [node.asname or node.name]
        for name in names:
            if SIGNING_NAMES.match(name) or SECRET_WORDS.search(name):
                found.append((getattr(node, "lineno", 0), f"name {name}"))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if SECRET_WORDS.search(node.value):
                found.append((node.lineno, f"string {node.value!r}"))
    return sorted(found)


def test_no_module_outside_the_devnet_signs_or_asks_for_a_secret():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "devnet" not in path.relative_to(PACKAGE).parts
        for line, what in offences(path.read_text())
    ]
    assert found == []


def test_the_check_sees_code_and_not_prose():
    prose = '''
"""chainwatch never asks for a private key or a mnemonic."""
# Nor does it sign: no sign_transaction anywhere.
def read():
    """Reads only; a seed phrase is never needed."""
    return 1
'''
    assert offences(prose) == []
    code = """
from eth_account import Account
import eth_account.signers.local
def send(w3, tx, private_key):  # never mind the comment: the code is what counts
    signed = w3.eth.account.sign_transaction(tx, private_key)
    w3.eth.send_raw_transaction(signed.raw_transaction)
    option = "--mnemonic"
    return Account.from_key(KEYSTORE)
"""
    assert [line for line, _ in offences(code)] == [2, 3, 4, 5, 5, 6, 7, 8, 8]
