"""chainwatch never holds a key: no signing code or key material outside the devnet."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "chainwatch"
# Signing APIs of eth-account / web3, and words that would mean we ask for a secret.
FORBIDDEN = re.compile(
    r"eth_account|Account\.(from_key|create|from_mnemonic)|sign_transaction|signTransaction|"
    r"send_raw_transaction|sendRawTransaction|private[_ ]?key|mnemonic|seed phrase",
    re.IGNORECASE,
)


def test_no_module_outside_the_devnet_signs_or_asks_for_a_secret():
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{n}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        if "devnet" not in path.relative_to(PACKAGE).parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if FORBIDDEN.search(line) and "never" not in line.lower()
    ]
    assert offenders == []
