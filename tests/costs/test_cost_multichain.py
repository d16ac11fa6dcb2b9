"""`chainwatch compare` over the two local chains at once: the devnet (WBTC) and devnet-l2 (cbBTC).

Referees, each read directly from its own chain: eth_blockNumber for the block of every row;
the Aave Pools' getReserveData, Morpho's IRM and Comet's getBorrowRate for each market's rate,
whose interest is then worked by hand (ln/exp, not the code's power series); the next block's
base fee worked by hand from EIP-1559 (a block with no gas used lowers it by an eighth) and
checked against eth_feeHistory; each chain's ETH/USD and BTC/USD feeds' latestRoundData. The
two chains are set apart first (base fee, ETH and BTC price, Morpho rate, head block), so a row
priced with the other chain's figures fails.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from chainwatch.costs.lifecycle import DEFAULT_LIFECYCLE, load_gas_units
from chainwatch.devnet import controls
from chainwatch.devnet.node import contract, rpc, transact
from tests.helpers.schemas import assert_valid
from tests.helpers.two_chains import address_book, closed_port

D = Decimal
RAY = D(10) ** 27
WAD = D(10) ** 18
SECONDS_PER_YEAR = 365 * 86_400
DAYS = 180
LOAN = D(50_000)
COMPARE = ("compare", "--loan", str(LOAN), "--days", str(DAYS), "--btc", "1")
PROTOCOLS = {"aave-v3": "aave-v3", "aave-v3.6": "aave-v3", "spark": "aave-v3", "morpho-blue": "morpho-blue",
             "compound-v3": "compound-v3"}  # fmt: skip


def book(tmp_path, devnet_url: str, l2_url: str) -> list[str]:
    """--chain devnet --chain devnet-l2, with an address book pointing them at these endpoints."""
    return [
        "--chain",
        "devnet",
        "--chain",
        "devnet-l2",
        "--address-book",
        str(address_book(tmp_path, devnet_url, l2_url)),
    ]


def feed_price(devnet, pair: str) -> Decimal:
    aggregator = contract(devnet.w3, "ChainlinkStyleAggregator", devnet.deployment.feeds[pair])
    answer = aggregator.functions.latestRoundData().call()[1]
    return D(answer) / 10 ** aggregator.functions.decimals().call()


def set_apart(devnet, *, base_fee_wei: int, eth_usd: str, btc_usd: str, morpho_apr: str, extra_blocks: int) -> None:
    """Give the chain its own ETH and BTC price and Morpho rate, then a base fee, then 20 empty
    blocks (the whole fee-history window: no tips), then `extra_blocks` more."""
    w3, dep = devnet.w3, devnet.deployment
    controls.set_feed_price(w3, dep.feeds["ETH/USD"], D(eth_usd))
    controls.set_btc_price(w3, dep, D(btc_usd))
    irm = contract(w3, "SettableRateIrm", dep.morpho_blue.irm)
    per_second = int(D(morpho_apr) * WAD / SECONDS_PER_YEAR)
    transact(w3, irm.functions.setRatePerSecond(per_second), irm.functions.owner().call())
    rpc(w3, "anvil_setNextBlockBaseFeePerGas", [hex(base_fee_wei)])
    controls.mine(w3, 20 + extra_blocks)


def next_base_fee_wei(devnet) -> int:
    """EIP-1559 by hand: after a block that used no gas, the base fee falls by an eighth."""
    head = devnet.w3.eth.get_block("latest")
    assert head["gasUsed"] == 0
    expected = head["baseFeePerGas"] - head["baseFeePerGas"] // 8
    assert devnet.w3.eth.fee_history(1, "latest", [50])["baseFeePerGas"][-1] == expected
    return expected


def borrow_apr(devnet, market: str, block: int) -> Decimal:
    """The market's USDC borrow rate as its own contract states it, per year."""
    w3, dep = devnet.w3, devnet.deployment
    if market == "morpho-blue":
        irm = contract(w3, "SettableRateIrm", dep.morpho_blue.irm)
        return D(irm.functions.ratePerSecond().call(block_identifier=block)) * SECONDS_PER_YEAR / WAD
    if market == "compound-v3":
        comet = contract(w3, "CometStandIn", dep.comet)
        utilization = comet.functions.getUtilization().call(block_identifier=block)
        rate = comet.functions.getBorrowRate(utilization).call(block_identifier=block)
        return D(rate) * SECONDS_PER_YEAR / WAD
    pool = contract(w3, "Pool", dep.markets[market].pool)
    return D(pool.functions.getReserveData(dep.tokens["USDC"]).call(block_identifier=block)[4]) / RAY


def interest_by_hand(apr: Decimal, compounding: str) -> Decimal:
    """Per second: (1 + r/N)^n as e^(n·ln(1 + r/N)); continuous: e^(r·t)."""
    if compounding == "continuous":
        return LOAN * ((apr * DAYS / 365).exp() - 1)
    assert compounding == "per-second"
    return LOAN * ((DAYS * 86_400 * (1 + apr / SECONDS_PER_YEAR).ln()).exp() - 1)


@pytest.fixture
def apart(chain, chain_l2):
    """The two chains with different base fees, ETH and BTC prices, Morpho rates and heads."""
    set_apart(chain, base_fee_wei=20 * 10**9, eth_usd="3000", btc_usd="60000", morpho_apr="0.05", extra_blocks=7)
    set_apart(chain_l2, base_fee_wei=10**7, eth_usd="2500", btc_usd="62000", morpho_apr="0.07", extra_blocks=0)
    return {"devnet": chain, "devnet-l2": chain_l2}


def test_every_row_is_priced_with_its_own_chains_rate_gas_and_block(apart, cli, tmp_path):
    chains = apart
    plot = tmp_path / "cost.svg"
    args = book(tmp_path, chains["devnet"].rpc_url, chains["devnet-l2"].rpc_url)
    code, out, err = cli(*COMPARE, *args, "--format", "json", "--plot", str(plot))
    assert code == 0, err
    report = json.loads(out)
    assert_valid("compare", report)
    heads = {name: devnet.w3.eth.block_number for name, devnet in chains.items()}
    assert heads["devnet"] != heads["devnet-l2"]
    assert [(c["chain"], c["chain_id"], c["block"], c["error"]) for c in report["chains"]] == [
        ("devnet", 31337, heads["devnet"], None),
        ("devnet-l2", 31338, heads["devnet-l2"], None),
    ]
    assert "chain" not in report and "gas_price_gwei" not in report  # several chains: no one chain's keys

    defi = [o for o in report["options"] if o["kind"] == "defi"]
    assert [(o["chain"], o["market"]) for o in defi] == [
        *(("devnet", m) for m in ("aave-v3", "aave-v3.6", "spark", "morpho-blue", "compound-v3")),
        ("devnet-l2", "aave-v3"),
        ("devnet-l2", "morpho-blue"),
    ]
    units = load_gas_units()
    fees = {name: next_base_fee_wei(devnet) for name, devnet in chains.items()}
    eth = {name: feed_price(devnet, "ETH/USD") for name, devnet in chains.items()}
    assert fees["devnet"] > 100 * fees["devnet-l2"] and eth == {"devnet": 3000, "devnet-l2": 2500}
    for option in defi:
        name, market = option["chain"], option["market"]
        assert option["name"] == f"{name} · {market}"
        assert (option["chain_id"], option["block"]) == (chains[name].w3.eth.chain_id, heads[name])
        apr = borrow_apr(chains[name], market, heads[name])
        assert D(option["apr"]) == apr > 0
        assert abs(D(option["interest_usd"]) - interest_by_hand(apr, option["compounding"])) < D("0.000001")
        gas = units[PROTOCOLS[market]].total(DEFAULT_LIFECYCLE) * fees[name] * eth[name] / WAD
        assert D(option["gas_usd"]) == D(option["gas_usd_low"]) == D(option["gas_usd_high"]) == gas
    l2_morpho = next(o for o in defi if o["name"] == "devnet-l2 · morpho-blue")
    assert D(l2_morpho["apr"]).quantize(D("0.0001")) == D("0.07")  # devnet-l2's own rate, not devnet's 5%
    for chain in report["chains"]:
        assert D(chain["gas_price_gwei"]["median"]) == D(fees[chain["chain"]]) / 10**9

    # CeFi collateral is valued at the first chain's BTC/USD feed, and the report says which
    assert (report["btc_price_chain"], D(report["btc_price_usd"])) == (
        "devnet",
        feed_price(chains["devnet"], "BTC/USD"),
    )
    names = {o["name"] for o in report["options"]}
    assert {b["defi"] for b in report["break_even"]} == {o["name"] for o in defi}
    assert report["cheapest"] in names
    svg = plot.read_text()
    assert "devnet-l2 · morpho-blue" in svg and "devnet · spark" in svg

    code, out, err = cli(*COMPARE, *args[4:], "--chain", "devnet-l2", "--chain", "devnet", "--format", "json")
    assert code == 0, err
    swapped = json.loads(out)
    assert (swapped["btc_price_chain"], D(swapped["btc_price_usd"])) == ("devnet-l2", D(62_000))


def test_the_table_names_each_rows_chain_and_each_chains_block_and_gas(apart, cli, tmp_path):
    chains = apart
    target = tmp_path / "compare.txt"
    code, out, err = cli(*COMPARE, *book(tmp_path, chains["devnet"].rpc_url, chains["devnet-l2"].rpc_url),
                         "--output", str(target))  # fmt: skip
    assert code == 0, err
    table = target.read_text()
    for name in ("devnet · aave-v3.6", "devnet · compound-v3", "devnet-l2 · aave-v3", "devnet-l2 · morpho-blue"):
        assert name in table, name
    for name, devnet in chains.items():
        assert f"{name} block {devnet.w3.eth.block_number}: gas price" in table
    assert "ETH $2,500.00" in table and "CeFi max loans at BTC $60,000.00, devnet's BTC/USD feed" in table


def test_a_chain_that_cannot_be_read_is_named_and_the_others_rows_stay(chain, cli, tmp_path):
    dead = f"http://127.0.0.1:{closed_port()}"
    args = book(tmp_path, chain.rpc_url, dead)
    code, out, err = cli(*COMPARE, *args, "--format", "json")
    assert code == 4
    assert "devnet-l2 could not be read" in err and "Traceback" not in err
    report = json.loads(out)
    assert_valid("compare", report)
    devnet, l2 = report["chains"]
    assert (devnet["error"], devnet["block"]) == (None, chain.w3.eth.block_number)
    assert l2["chain"] == "devnet-l2" and l2["block"] is None and "127.0.0.1" in l2["error"]
    code, alone, err = cli(*COMPARE, "--chain", "devnet", "--rpc", chain.rpc_url, "--format", "json")
    assert code == 0, err
    alone_defi = [o for o in json.loads(alone)["options"] if o["kind"] == "defi"]
    defi = [o for o in report["options"] if o["kind"] == "defi"]
    assert {o["chain"] for o in defi} == {"devnet"}
    assert [(o["market"], o["total_usd"], o["block"]) for o in defi] == [
        (o["market"], o["total_usd"], o["block"]) for o in alone_defi
    ]  # the devnet's rows whole: the same block, the same figures

    code, out, err = cli(*COMPARE, *args)
    assert code == 4
    assert out.index("devnet · aave-v3") < out.index("devnet-l2: could not be read")  # the error under the rows


def test_one_chain_that_cannot_be_read_is_one_line_and_exit_4(cli):
    dead = f"http://127.0.0.1:{closed_port()}"
    code, out, err = cli(*COMPARE, "--chain", "devnet-l2", "--rpc", dead)
    assert code == 4 and out == ""
    assert err.strip().count("\n") == 0 and "127.0.0.1" in err


@pytest.mark.parametrize(
    "option",
    [("--rpc", "http://127.0.0.1:1"), ("--block", "5"), ("--gas-price-gwei", "20"), ("--gas-usd", "12")],
)
@pytest.mark.parametrize("chains", [("--chain", "devnet", "--chain", "devnet-l2"), ()], ids=["two", "defaults"])
def test_rpc_block_and_a_typed_gas_take_one_chain(cli, option, chains):
    code, out, err = cli(*COMPARE, *chains, *option)
    assert code == 2 and f"{option[0]} needs exactly one --chain" in err and out == ""


def test_the_config_files_chains_are_compared(chain_l2, cli, tmp_path):
    """No --chain: the config's `chains` (here devnet-l2 alone) are the chains compared."""
    config = tmp_path / "config.toml"
    config.write_text('chains = ["devnet-l2"]\n')
    book = address_book(tmp_path, f"http://127.0.0.1:{closed_port()}", chain_l2.rpc_url)
    code, out, err = cli(*COMPARE, "--config", str(config), "--address-book", str(book), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert [c["chain"] for c in report["chains"]] == ["devnet-l2"]
    assert report["block"] == chain_l2.w3.eth.block_number
