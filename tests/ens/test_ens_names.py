"""ENS names in place of wallet addresses, resolved through real ENS bytecode on the devnet.

The registry is ENSRegistryWithFallback and the resolver PublicResolver, both from the ENS
team's published artifacts (see conftest.py); the address book points the devnet at them with
`ens_registry`, as the built-in one does for mainnet.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chainwatch.addresses import AddressError
from chainwatch.chains import get_chain
from chainwatch.ens import EnsError, namehash, parse_account, resolve_accounts
from chainwatch.snapshot import open_reader


@pytest.mark.parametrize(
    ("name", "node"),
    [  # ENSIP-1's own examples
        ("", "0x0000000000000000000000000000000000000000000000000000000000000000"),
        ("eth", "0x93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae"),
        ("foo.eth", "0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f"),
    ],
)
def test_namehash_follows_ensip1(name, node):
    assert "0x" + namehash(name).hex() == node


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("vitalik.eth", "vitalik.eth"),
        (" Vitalik.ETH ", "vitalik.eth"),  # ENSIP-15 folds case
        ("ＶＩＴＡＬＩＫ.eth", "vitalik.eth"),  # and width
        ("0x12.eth", "0x12.eth"),  # hex-looking labels are names when there is a dot
        ("0xd8da6bf26964af9d7eed9e03e53415d37aa96045", "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"),
    ],
)
def test_accounts_are_addresses_or_normalised_names(text, parsed):
    assert parse_account(text) == parsed


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("0x1234", AddressError, "not an Ethereum address: '0x1234'"),
        ("0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96046", AddressError, "checksum mismatch"),
        ("vitalik", AddressError, "not an Ethereum address or ENS name: 'vitalik'"),
        ("a..eth", EnsError, "not a valid ENS name: 'a..eth'"),
        ("my name.eth", EnsError, "not a valid ENS name"),
    ],
)
def test_bad_accounts_are_refused_before_any_request(text, error, message):
    with pytest.raises(error, match=None) as raised:
        parse_account(text)
    assert message in str(raised.value)


def test_addresses_alone_open_no_reader():
    def no_reader():
        raise AssertionError("no endpoint should be asked")

    account = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
    assert resolve_accounts(get_chain("devnet"), [account], no_reader) == [account]
    with pytest.raises(AddressError, match="not an Ethereum address or ENS name: 'vitalik'"):
        resolve_accounts(get_chain("devnet"), [account, "vitalik"], no_reader)


# --- on the devnet ------------------------------------------------------------------------


def test_track_by_name_reads_the_wallet_it_names(ens, cli):
    book = ("--chain", "devnet", "--address-book", ens.address_book, "--format", "json")
    code, by_address, err = cli("track", ens.wallets["A"], *book)
    assert code == 0, err
    block = str(json.loads(by_address)["block"])
    code, by_name, err = cli("track", "wallet-a.eth", *book, "--block", block)
    assert code == 0, err
    assert by_name == by_address and json.loads(by_name)["positions"]


def test_many_names_cost_two_multicalls(ens):
    chain = get_chain("devnet", ens.address_book)
    reader = open_reader(chain)
    sent: list[str] = []
    batch = reader.pool.batch

    def counting(requests_, parse=None):
        sent.extend(method for method, _ in requests_)
        return batch(requests_, parse)

    reader.pool.batch = counting
    typed = ["wallet-a.eth", "Wallet-C.ETH", "🦊.eth", "legacy.eth", ens.wallets["D"]]
    resolved = resolve_accounts(chain, typed, lambda: reader)
    a, c, d = (ens.wallets[k] for k in "ACD")
    assert resolved == [a, c, a, c, d]  # the fallback to the legacy registry works too
    assert sent == ["eth_call", "eth_call"]  # registry.resolver for all, then resolver.addr for all


def test_a_name_resolves_at_the_block_that_is_read(chain, ens, cli):
    """`--block N` reads the wallet the name pointed to at block N, as every other read."""
    book = ("--chain", "devnet", "--address-book", ens.address_book, "--format", "json")
    before = chain.w3.eth.block_number
    ens.set_addr("wallet-a.eth", ens.wallets["D"])  # D has no positions
    code, now, _ = cli("track", "wallet-a.eth", *book)
    code_then, then, err = cli("track", "wallet-a.eth", *book, "--block", str(before))
    assert code == code_then == 0, err
    assert json.loads(now)["positions"] == []
    assert [p["account"] for p in json.loads(then)["positions"]] == [ens.wallets["A"]]


NO_ADDRESS = "no-address.eth (its resolver has no address for it)"


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (
            ["no-resolver.eth"],
            "ENS name does not resolve on devnet at block {block}: no-resolver.eth (no resolver set)",
        ),
        (["wallet-a.eth", "no-address.eth"], "ENS name does not resolve on devnet at block {block}: " + NO_ADDRESS),
        (
            ["nobody.eth", "no-address.eth"],
            "ENS names do not resolve on devnet at block {block}: nobody.eth (no resolver set), " + NO_ADDRESS,
        ),
    ],
)
def test_a_name_without_an_address_is_a_one_line_error(ens, cli, names, message):
    block = ens.w3.eth.block_number
    code, out, err = cli("track", *names, "--chain", "devnet", "--address-book", ens.address_book)
    assert code == 1 and out == ""
    assert err.strip() == "error: " + message.format(block=block)


def test_a_chain_without_a_registry_refuses_names(devnet, cli):
    code, _, err = cli("check", "wallet-a.eth", "--chain", "devnet", "--rpc", devnet.rpc_url)
    assert code == 1
    assert err.strip() == (
        "error: wallet-a.eth: chain devnet has no ENS registry (ens_registry in the address book); "
        "give the wallet's 0x address"
    )


def test_risk_and_check_take_names(ens, cli):
    book = ("--chain", "devnet", "--address-book", ens.address_book)
    risk = ("--volatility", "0.6", "--paths", "1000", "--format", "json")
    assert cli("risk", "wallet-c.eth", *book, *risk) == cli("risk", ens.wallets["C"], *book, *risk)
    code, out, err = cli("check", "legacy.eth", *book, "--format", "json")
    assert code == 0, err  # demo wallet C: LTV 0.4 on Spark's 0.78, about half way to the first threshold
    assert [p["account"] for p in json.loads(out)["positions"]] == [ens.wallets["C"]]


def test_backfill_and_history_follow_the_wallet_a_name_has_now(ens, cli, tmp_path):
    book = ("--chain", "devnet", "--address-book", ens.address_book)
    db = ("--db", str(tmp_path / "h.sqlite3"))
    now = datetime.fromtimestamp(ens.w3.eth.get_block("latest")["timestamp"], UTC).isoformat()
    code, _, err = cli("backfill", "wallet-a.eth", *book, *db, "--from", now, "--to", now)
    assert code == 0, err
    assert f"wallet-a.eth is {ens.wallets['A']}" in err
    code, by_name, err = cli("history", "🦊.eth", *book, *db, "--format", "json")
    assert code == 0, err
    assert f"🦊.eth is {ens.wallets['A']}" in err
    assert by_name == cli("history", ens.wallets["A"], *db, "--format", "json").out
    assert len(json.loads(by_name)["readings"]) == 1


def test_a_name_is_looked_up_once_and_read_on_every_chain(ens, devnet_l2, cli, tmp_path):
    """devnet-l2 has no registry: the name resolves on the devnet's, and the wallet it names is
    read on both chains (its loans there are the ones its address gives)."""
    book = tmp_path / "two.toml"
    book.write_text(ens.address_book.read_text() + f'\n[chains.devnet-l2]\nrpc = ["{devnet_l2.rpc_url}"]\n')
    chains = ("--chain", "devnet", "--chain", "devnet-l2", "--address-book", book, "--format", "json")
    code, by_name, err = cli("track", "wallet-a.eth", *chains)
    assert code == 0, err
    code, by_address, err = cli("track", ens.wallets["A"], *chains)
    assert code == 0, err
    positions = json.loads(by_name)["positions"]
    assert {(p["chain"], p["account"]) for p in positions} == {
        ("devnet", ens.wallets["A"]),
        ("devnet-l2", ens.wallets["A"]),
    }
    assert positions == json.loads(by_address)["positions"]
