"""The address book: built-in chains, user overrides, and one-line errors for bad files."""

import pytest

from chainwatch.addresses import AddressError, parse_address
from chainwatch.chains import AddressBookError, get_chain, load_address_book

LOCALTEST = """
[chains.localtest]
chain_id = 31337
rpc = ["http://127.0.0.1:8545"]
multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
wbtc = "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"

[[chains.localtest.markets]]
protocol = "aave-v3"
name = "aave-v3"
pool_addresses_provider = "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e"
"""


def write(tmp_path, text):
    path = tmp_path / "book.toml"
    path.write_text(text)
    return path


def test_mainnet_is_built_in_with_aave_and_spark():
    chain = get_chain("ethereum")
    assert chain.chain_id == 1
    assert [m.name for m in chain.markets] == ["aave-v3", "spark"]
    assert chain.wbtc == "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"
    assert all(url.startswith("https://") for url in chain.rpc)


def test_the_documented_format_adds_a_chain(tmp_path):
    chain = get_chain("localtest", write(tmp_path, LOCALTEST))
    assert chain.rpc == ("http://127.0.0.1:8545",)
    (market,) = chain.markets
    assert market.protocol == "aave-v3"
    assert market.settings["pool_addresses_provider"] == "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e"


def test_a_user_file_overrides_only_the_keys_it_names(tmp_path):
    book = write(tmp_path, '[chains.ethereum]\nrpc = ["http://my-node:8545"]\n')
    chain = get_chain("ethereum", book)
    assert chain.rpc == ("http://my-node:8545",)
    assert [m.name for m in chain.markets] == ["aave-v3", "spark"]


def test_the_environment_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINWATCH_ADDRESS_BOOK", str(write(tmp_path, LOCALTEST)))
    assert "localtest" in load_address_book()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[chains.x\n", "not valid TOML"),
        ("[chain.x]\n", "unknown top-level key 'chain'"),
        (LOCALTEST.replace("chain_id = 31337", 'chain_id = "1"'), "chains.localtest.chain_id: expected int"),
        (LOCALTEST.replace('wbtc = "0x2260', 'wbtx = "0x2260'), "unknown key 'wbtx'"),
        (LOCALTEST.replace('"aave-v3"        ', '"aave-v4"').replace('protocol = "aave-v3"', 'protocol = "aave-v4"'), "unknown protocol 'aave-v4'"),
        (LOCALTEST.replace("0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e", "0x2F39d218133AFaB8F2B819B1066c7E434Ad94E9e"), "markets[0].pool_addresses_provider: address checksum mismatch"),
        (LOCALTEST.replace('pool_addresses_provider = "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e"', 'pool = "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e"'), "unknown key 'pool' for aave-v3"),
        (LOCALTEST.replace('multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11"', 'multicall3 = "0x1234"'), "not an Ethereum address"),
        (LOCALTEST.replace('rpc = ["http://127.0.0.1:8545"]\n', ""), "missing key 'rpc'"),
    ],
)
def test_malformed_books_name_the_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(AddressBookError) as error:
        load_address_book(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_unknown_chain_lists_the_known_ones():
    with pytest.raises(AddressBookError, match="unknown chain 'moon' .*ethereum"):
        get_chain("moon")


@pytest.mark.parametrize(
    "text",
    [
        "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599",
        "0x2260FAC5E5542A773AA44FBCFEDF7C193BC2C599",
        "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599",
    ],
)
def test_addresses_without_or_with_a_right_checksum_are_accepted(text):
    assert parse_address(text) == "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"


@pytest.mark.parametrize(
    "text", ["0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C598", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2c599", "2260", "vitalik"]
)
def test_bad_addresses_are_refused(text):
    with pytest.raises(AddressError):
        parse_address(text)
