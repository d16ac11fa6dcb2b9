"""The address book: built-in chains, user overrides, and one-line errors for bad files."""

import json
import re
from importlib import resources

import pytest
from eth_utils import to_checksum_address

from chainwatch.adapters.base import chain_asset
from chainwatch.adapters.morpho_catalogue import MarketParams
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
        "compound-v3-usds",
        "compound-v3-wbtc",
    ]
    assert [a.symbol for a in chain.btc_assets] == ["WBTC", "cbBTC", "tBTC", "LBTC", "eBTC", "FBTC", "BTC.b"]
    assert chain.main_btc_asset.address == "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"
    assert all(url.startswith("https://") for url in chain.rpc)


@pytest.mark.parametrize(
    ("name", "chain_id", "btc", "comets"),
    [
        ("base", 8453, ["cbBTC", "LBTC", "tBTC"], ["usdc", "weth", "usds", "aero"]),
        ("arbitrum", 42161, ["WBTC", "tBTC"], ["usdc", "usdc.e", "usdt", "weth"]),
    ],
)
def test_base_and_arbitrum_are_built_in(name, chain_id, btc, comets):
    chain = get_chain(name)
    assert chain.chain_id == chain_id and chain.btc_usd_feed and chain.eth_usd_feed
    assert [a.symbol for a in chain.btc_assets] == btc
    assert [m.name for m in chain.markets] == ["aave-v3", "morpho-blue", *(f"compound-v3-{c}" for c in comets)]
    (morpho,) = [m for m in chain.markets if m.protocol == "morpho-blue"]
    assert "market_ids" not in morpho.settings and morpho.settings["deployment_block"]  # discovered from logs
    assert all(url.startswith("https://") for url in chain.rpc)


BUILT_IN = ["ethereum", "base", "arbitrum"]
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}(?![0-9a-fA-F])")


def _book_text(name):
    return (resources.files("chainwatch.chains") / f"{name}.toml").read_text()


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_address_is_checksummed_and_unique_on_its_chain(name):
    found = ADDRESS.findall(_book_text(name))
    assert found
    for address in found:
        assert address == to_checksum_address(address), f"{address} is not in EIP-55 form"
    # Multicall3 and a few tokens share an address across chains, never two roles on one chain.
    assert len(found) == len(set(found)), [a for a in set(found) if found.count(a) > 1]


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_address_carries_its_source(name):
    """Each address sits under a comment in its own paragraph, or has one on its line: the
    comment names the published registry it was read from."""
    paragraph_has_source = False
    for line in _book_text(name).splitlines():
        if not line.strip():
            paragraph_has_source = False
            continue
        if "#" in line:
            paragraph_has_source = True
        for address in ADDRESS.findall(line.split("#")[0]):
            assert paragraph_has_source, f"{name}.toml: {address} has no source comment"


# The built-in markets with no `deployment_block`, each with why: `scan` then bisects eth_getCode
# for the block the contract appeared in (an archive node's work; block 0 without one).
NO_PUBLIC_BLOCK = "no public source found ties a creation block to this Comet's address"
WITHOUT_DEPLOYMENT_BLOCK = {
    ("ethereum", "compound-v3-usdt"): NO_PUBLIC_BLOCK,
    ("ethereum", "compound-v3-usds"): NO_PUBLIC_BLOCK,
    ("ethereum", "compound-v3-wbtc"): NO_PUBLIC_BLOCK,
    ("base", "compound-v3-usdc"): NO_PUBLIC_BLOCK,
    ("base", "compound-v3-weth"): NO_PUBLIC_BLOCK,
    ("base", "compound-v3-usds"): NO_PUBLIC_BLOCK,
    ("base", "compound-v3-aero"): NO_PUBLIC_BLOCK,
    ("arbitrum", "compound-v3-usdc"): NO_PUBLIC_BLOCK,
    ("arbitrum", "compound-v3-usdt"): NO_PUBLIC_BLOCK,
    ("arbitrum", "compound-v3-weth"): NO_PUBLIC_BLOCK,
}
MARKET_HEADER = re.compile(r"^\[\[chains\.[^.\]]+\.markets\]\]$")
# A pinned source: owner/repo@commit (GitHub) or @scope/package@version (npm).
SOURCE = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{7,40}\b|@[\w.-]+/[\w.-]+@\d+\.\d+\.\d+")


def _comments_above_markets(name):
    """The comment lines right above each `[[chains.NAME.markets]]` header, joined, in book order."""
    lines = _book_text(name).splitlines()
    found = []
    for index, line in enumerate(lines):
        if MARKET_HEADER.match(line):
            start = index
            while start > 0 and lines[start - 1].startswith("#"):
                start -= 1
            found.append(" ".join(comment.lstrip("# ") for comment in lines[start:index]))
    return found


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_deployment_block_is_cited_right_above_its_market(name):
    """A scan trusts no log before `deployment_block`, so the number must come from a source that
    ties it to the market's contract: the comment right above the market names both."""
    markets = get_chain(name).markets
    comments = _comments_above_markets(name)
    assert len(comments) == len(markets)
    without = set()
    for market, comment in zip(markets, comments, strict=True):
        block = market.settings.get("deployment_block")
        if block is None:
            without.add((name, market.name))
            continue
        assert f"{block:,}" in comment or str(block) in comment, f"{name}.toml {market.name}: {block} not cited"
        assert SOURCE.search(comment), f"{name}.toml {market.name}: no pinned source above it"
    assert without == {key for key in WITHOUT_DEPLOYMENT_BLOCK if key[0] == name}


def test_the_shipped_morpho_markets_are_btc_collateral_markets_with_true_ids():
    data = json.loads((resources.files("chainwatch.chains") / "morpho_markets.json").read_text())
    for entry in data["singletons"]:
        chain = get_chain(entry["chain"])
        (morpho,) = [m for m in chain.markets if m.protocol == "morpho-blue"]
        assert entry["chain_id"] == chain.chain_id and entry["morpho"] == morpho.settings["morpho"]
        assert entry["source"] and entry["from_block"] == morpho.settings["deployment_block"]
        btc = {a.address for a in chain.btc_assets}
        assert {to_checksum_address(c) for c in entry["collateral"]} == btc
        for market in entry["markets"]:
            params = MarketParams.from_json(market)  # refuses an id that is not keccak(params)
            assert params.collateral_token in btc
            for key in ("loan_token", "collateral_token", "oracle", "irm"):
                assert market[key] == to_checksum_address(market[key])
        assert len({m["id"] for m in entry["markets"]}) == len(entry["markets"])


def test_the_market_ids_once_listed_for_ethereum_are_shipped():
    """The three WBTC markets the book listed by hand (recomputed from @morpho-org/morpho-test
    fixtures) are among the shipped ones."""
    data = json.loads((resources.files("chainwatch.chains") / "morpho_markets.json").read_text())
    ethereum = next(e for e in data["singletons"] if e["chain"] == "ethereum")
    assert {
        "0x3a85e619751152991742810df6ec69ce473daef99e28a64ab2340d7b7ccfee49",
        "0xa921ef34e2fc7a27ccc50ae7e4b154e16c9799d3387076c421423ef52ac4df99",
        "0x138eec0e4a1937eb92ebc70043ed539661dd7ed5a89fb92a720b341650288a40",
    } <= {m["id"] for m in ethereum["markets"]}


BTC_ASSETS = """
[[chains.localtest.btc_assets]]
symbol = "WBTC"
address = "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"
btc_feed = "0xfdFD9C85aD200c506Cf9e21F1FD8dd01932FBB23"

[[chains.localtest.btc_assets]]
symbol = "cbBTC"
address = "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf"
"""


def test_btc_assets_replace_the_wbtc_key(tmp_path):
    chain = get_chain(
        "localtest",
        write(tmp_path, LOCALTEST.replace('wbtc = "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"\n', "") + BTC_ASSETS),
    )
    assert [(a.symbol, a.btc_feed) for a in chain.btc_assets] == [
        ("WBTC", "0xfdFD9C85aD200c506Cf9e21F1FD8dd01932FBB23"),
        ("cbBTC", None),
    ]
    assert chain_asset(chain, "0xcbb7c0000ab88b473b1f5afd9ef808440eed33bf", "cbBTC", 8).is_btc
    # BTC in a name decides nothing: only the book's addresses are BTC.
    assert not chain_asset(chain, "0x" + "11" * 20, "FAKEBTC", 8).is_btc


def test_wbtc_stays_a_one_asset_shorthand(tmp_path):
    text = LOCALTEST.replace("[[", 'wbtc_btc_feed = "0xfdFD9C85aD200c506Cf9e21F1FD8dd01932FBB23"\n\n[[', 1)
    (asset,) = get_chain("localtest", write(tmp_path, text)).btc_assets
    assert (asset.symbol, asset.address, asset.btc_feed) == (
        "WBTC",
        "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599",
        "0xfdFD9C85aD200c506Cf9e21F1FD8dd01932FBB23",
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (LOCALTEST.replace('wbtc = "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"\n', ""), 2, "missing key 'btc_assets'"),
        (
            LOCALTEST
            + BTC_ASSETS.replace("cbBTC", "WBTC2").replace(
                "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"
            ),
            18,
            "listed twice",
        ),
        (LOCALTEST + BTC_ASSETS.replace('symbol = "cbBTC"', 'symbol = "cbBTC"\nfeed = "x"'), 20, "unknown key 'feed'"),
        (
            LOCALTEST
            + BTC_ASSETS.replace(
                "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf", "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33BF"
            ),
            20,
            "btc_assets[1].address: address checksum mismatch",
        ),
        (LOCALTEST.replace("[[", "deployment_block = 5\n[[", 1), 8, "unknown key 'deployment_block'"),
    ],
)
def test_malformed_btc_assets_and_deployment_blocks_are_named(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(AddressBookError) as error:
        load_address_book(path)
    assert str(error.value).startswith(f"{path}:{line}: ") and message in str(error.value)


def test_built_in_deployment_blocks():
    assert get_chain("ethereum").markets[0].settings["deployment_block"] == 16291127  # Aave v3 Core's Pool


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
    assert {"ethereum", "base", "arbitrum"} <= {c.name for c in defaults}
    assert all(c.default for c in defaults)
    assert not {"devnet", "devnet-l2"} & {c.name for c in defaults}  # a local chain is read when named
    mine = write(tmp_path, LOCALTEST.replace("[[", "default = true\n[["))
    assert "localtest" in [c.name for c in get_chains([], mine)]
    none = write(tmp_path, "".join(f"[chains.{c}]\ndefault = false\n" for c in ("ethereum", "base", "arbitrum")))
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
