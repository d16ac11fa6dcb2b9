"""One wallet with loans in all four devnet markets, read by one `chainwatch track` call.

Aave v3 and Spark (real Aave bytecode), Morpho Blue (real bytecode) and the Comet STAND-IN
(compound-v3): one block, one JSON document, each market's figures refereed by its own contract
at that block.
"""

from __future__ import annotations

import json
from decimal import Decimal

from chainwatch.devnet.node import contract
from tests.helpers.accounts import fresh_account
from tests.helpers.loans import open_aave_loan, open_comet_loan, open_morpho_loan
from tests.helpers.referees import assert_matches_aave_pool

D = Decimal


def test_one_track_call_reads_all_four_markets_at_one_block(chain, cli):
    wallet = fresh_account("all four markets")
    open_aave_loan(chain, "aave-v3", wallet, {"WBTC": D(1)}, {"USDC": D(20000)})
    open_aave_loan(chain, "spark", wallet, {"WBTC": D(1)}, {"USDC": D(25000)})
    open_morpho_loan(chain, wallet, D(1), D(30000))
    open_comet_loan(chain, wallet, {"WBTC": D(1)}, D(35000))
    # Collateral without WBTC still makes a position; it just has no BTC liquidation price.
    other = fresh_account("weth only")
    open_comet_loan(chain, other, {"WETH": D(10)}, D(5000))

    code, out, err = cli("track", wallet, other, "--chain", "devnet", "--rpc", chain.rpc_url, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    positions = document["positions"]
    mine = {p["protocol"]: p for p in positions if p["account"] == wallet}
    assert set(mine) == {"aave-v3", "spark", "morpho-blue", "compound-v3"}
    assert document["block"] == chain.w3.eth.block_number  # one document, one pinned block
    block = document["block"]
    for protocol, debt in (("aave-v3", 20000), ("spark", 25000), ("morpho-blue", 30000), ("compound-v3", 35000)):
        position = mine[protocol]
        assert position["collateral"][0]["symbol"] == "WBTC"
        assert D(position["collateral"][0]["amount"]) == 1
        assert D(debt) <= D(position["debt_usd"]) <= D(debt) + D("0.01")  # seconds of interest
    # Each market's own contract at the document's block is the referee of its figures.
    for market in ("aave-v3", "spark"):
        figures = {key: D(mine[market][key]) for key in ("health_factor", "collateral_usd", "debt_usd")}
        assert_matches_aave_pool(chain, market, wallet, block, **figures)
    comet = contract(chain.w3, "CometStandIn", chain.deployment.comet).functions
    comet_debt = comet.borrowBalanceOf(wallet).call(block_identifier=block)
    assert D(mine["compound-v3"]["debt"][0]["amount"]) == D(comet_debt).scaleb(-6)
    morpho = chain.deployment.morpho_blue
    shares, collateral = (
        contract(chain.w3, "Morpho", morpho.morpho)
        .functions.position(morpho.market_id, wallet)
        .call(block_identifier=block)[1:]
    )
    assert shares > 0 and D(mine["morpho-blue"]["collateral"][0]["amount"]) == D(collateral).scaleb(-8)
    (weth_only,) = [p for p in positions if p["account"] == other]
    assert weth_only["protocol"] == "compound-v3" and weth_only["liquidation_price_btc"] is None
