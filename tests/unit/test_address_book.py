"""The address book: built-in chains, user overrides, and one-line errors for bad files."""

import pytest

from chainwatch.addresses import AddressError, parse_address
from chainwatch.chains import AddressBookError, get_chain, get_chains, load_address_book

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
    assert [m.name for m in chain.markets] == [
        "aave-v3",
        "spark",
        "morpho-blue",
        "compound-v3-usdc",
        "compound-v3-usdt",
        "compound-v3-weth",
    ]
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
    assert [m.name for m in chain.markets] == [m.name for m in get_chain("ethereum").markets]


def test_the_environment_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINWATCH_ADDRESS_BOOK", str(write(tmp_path, LOCALTEST)))
    assert "localtest" in load_address_book()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[chains.x\n", 1, "not valid TOML"),
        ("[chain.x]\n", 1, "unknown top-level key 'chain'"),
        (LOCALTEST.replace("chain_id = 31337", 'chain_id = "1"'), 3, "chains.localtest.chain_id: expected int"),
        (LOCALTEST.replace('wbtc = "0x2260', 'wbtx = "0x2260'), 6, "chains.localtest: unknown key 'wbtx'"),
        (
            LOCALTEST.replace('protocol = "aave-v3"', 'protocol = "aave-v4"'),
            9,
            "chains.localtest.markets[0].protocol: unknown protocol 'aave-v4'",
        ),
        (
            LOCALTEST.replace(
                "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e", "0x2F39d218133AFaB8F2B819B1066c7E434Ad94E9e"
            ),
            11,
            "markets[0].pool_addresses_provider: address checksum mismatch",
        ),
        (
            LOCALTEST.replace(
                'pool_addresses_provider = "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e"',
                'pool = "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e"',
            ),
            11,
            "chains.localtest.markets[0]: unknown key 'pool' for aave-v3",
        ),
        (
            LOCALTEST.replace('multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11"', 'multicall3 = "0x1234"'),
            5,
            "chains.localtest.multicall3: not an Ethereum address",
        ),
        (LOCALTEST.replace('rpc = ["http://127.0.0.1:8545"]\n', ""), 2, "chains.localtest: missing key 'rpc'"),
        (
            LOCALTEST.replace('rpc = ["http://127.0.0.1:8545"]', 'rpc = [\n  "http://127.0.0.1:8545",\n  8545,\n]'),
            4,
            "chains.localtest.rpc: expected a list of URLs",
        ),
        # The classic TOML slip: a chain key written below [[...markets]] belongs to the market.
        (
            LOCALTEST + 'ens_registry = "0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e"\n',
            12,
            "chains.localtest.markets[0]: unknown key 'ens_registry' for aave-v3",
        ),
        (
            LOCALTEST.replace("[[", 'ens_registry = "0x00000000000C2E074eC69A0dFb2997BA6C7d2e1E"\n[['),
            8,
            "chains.localtest.ens_registry: address checksum mismatch",
        ),
        ('[chains."my chain"]\nchain_id = true\n', 2, 'chains."my chain".chain_id: expected int'),
        (LOCALTEST + "deployment_block = -1\n", 12, "markets[0].deployment_block: expected a block number"),
        (LOCALTEST + 'deployment_block = "16291127"\n', 12, "markets[0].deployment_block: expected a block number"),
        (LOCALTEST.replace("[[", "default = 1\n[["), 8, "chains.localtest.default: expected bool"),
    ],
)
def test_malformed_books_name_the_file_line_and_key(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(AddressBookError) as error:
        load_address_book(path)
    assert str(error.value).startswith(f"{path}:{line}: ")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_error_names_the_file_that_set_the_key(tmp_path):
    """A user's file merged over a built-in chain: the bad key is in the user's file."""
    path = write(tmp_path, '# my node\n[chains.ethereum]\nrpc = ["http://my-node:8545"]\nwbtc = 5\n')
    with pytest.raises(AddressBookError) as error:
        load_address_book(path)
    assert str(error.value) == f"{path}:4: chains.ethereum.wbtc: expected str"


def test_the_ens_registry_is_chain_data():
    assert get_chain("ethereum").ens_registry == "0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e"
    assert get_chain("devnet").ens_registry is None


def test_without_names_the_default_chains_are_read_never_a_local_one(tmp_path):
    defaults = get_chains([])
    assert "ethereum" in [c.name for c in defaults]
    assert all(c.default for c in defaults)
    assert not {"devnet", "devnet-l2"} & {c.name for c in defaults}  # a local chain is read when named
    mine = write(tmp_path, LOCALTEST.replace("[[", "default = true\n[["))
    assert "localtest" in [c.name for c in get_chains([], mine)]
    none = write(tmp_path, "[chains.ethereum]\ndefault = false\n")
    with pytest.raises(AddressBookError, match="no chain is marked `default = true`"):
        get_chains([], none)


def test_named_chains_come_in_order_once_and_an_unknown_one_is_named():
    assert [c.name for c in get_chains(["devnet-l2", "devnet", "devnet-l2"])] == ["devnet-l2", "devnet"]
    with pytest.raises(AddressBookError, match="unknown chain 'moon'"):
        get_chains(["devnet", "moon"])


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
    "text",
    ["0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C598", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2c599", "2260", "vitalik"],
)
def test_bad_addresses_are_refused(text):
    with pytest.raises(AddressError):
        parse_address(text)


def test_morpho_market_ids_must_be_32_byte_hex(tmp_path):
    market = '[[chains.ethereum.markets]]\nprotocol = "morpho-blue"\nname = "m"\nmorpho = "0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb"\n'
    for bad in ("[]", '["0x12"]', '"0x' + "ab" * 32 + '"', '["0x' + "ab" * 32 + '", "0x' + "AB" * 32 + '"]'):
        book = write(tmp_path, f"{market}market_ids = {bad}\n")
        with pytest.raises(AddressBookError, match="market_ids"):
            get_chain("ethereum", book)


def test_the_user_config_book_is_read_and_an_explicit_file_wins(tmp_path, monkeypatch):
    from chainwatch.chains import user_address_book

    config = user_address_book()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[chains.ethereum]\nrpc = ["http://config-node:8545"]\n')
    try:
        assert get_chain("ethereum").rpc == ("http://config-node:8545",)
        explicit = write(tmp_path, '[chains.ethereum]\nrpc = ["http://explicit:8545"]\n')
        assert get_chain("ethereum", explicit).rpc == ("http://explicit:8545",)
    finally:
        config.unlink()


def test_every_market_may_name_its_deployment_block(tmp_path):
    """Where `scan` starts reading a market's logs; optional for every adapter family."""
    (market,) = load_address_book(write(tmp_path, LOCALTEST + "deployment_block = 16291127\n"))["localtest"].markets
    assert market.settings["deployment_block"] == 16291127
    (without,) = load_address_book(write(tmp_path, LOCALTEST))["localtest"].markets
    assert "deployment_block" not in without.settings
