"""`chainwatch check` over the two local chains, devnet (WBTC) and devnet-l2 (cbBTC), at once.

Referees: each chain's own eth_blockNumber, read directly; Aave's getUserAccountData on each
chain for which side of the LTV line each loan is on; a closed port for a dead chain.
"""

from __future__ import annotations

import json
from decimal import Decimal

from chainwatch.devnet import controls
from tests.helpers.schemas import assert_valid
from tests.helpers.two_chains import aave_ltv, address_book, closed_port, move_to_ltv

D = Decimal


def both(path) -> list[str]:
    return ["--chain", "devnet", "--chain", "devnet-l2", "--address-book", str(path)]


def test_check_reads_both_chains_each_at_its_own_block(chain, chain_l2, cli, tmp_path):
    controls.mine(chain_l2.w3, 25)  # the heads now differ: each chain must be read at its own
    wallet = chain.deployment.demo_wallets["A"]  # borrows on aave-v3: about 33% on devnet, 50% on devnet-l2
    code, out, err = cli("check", wallet, *both(address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)),
                         "--ltv", "0.6", "--format", "json")  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert_valid("check", document)
    heads = {"devnet": chain.w3.eth.block_number, "devnet-l2": chain_l2.w3.eth.block_number}
    assert heads["devnet"] != heads["devnet-l2"]
    assert [(c["chain"], c["block"], c["error"]) for c in document["chains"]] == [
        ("devnet", heads["devnet"], None),
        ("devnet-l2", heads["devnet-l2"], None),
    ]
    assert "block" not in document  # two chains: no one block at the top
    assert [(p["chain"], p["block"], p["account"]) for p in document["positions"]] == [
        ("devnet", heads["devnet"], wallet),
        ("devnet-l2", heads["devnet-l2"], wallet),
    ]
    assert document["past_threshold"] is False
    assert all(not p["past_threshold"] and p["lines_crossed"] == [] for p in document["positions"])


def test_a_loan_past_its_line_on_devnet_l2_only_exits_3_and_is_named(chain, chain_l2, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    move_to_ltv(chain_l2, wallet, "0.62")
    assert aave_ltv(chain_l2, wallet) > D("0.6") > aave_ltv(chain, wallet)  # the Pools' own word
    args = ["check", wallet, *both(address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)), "--ltv", "0.6"]
    code, out, err = cli(*args, "--format", "json")
    assert code == 3, err
    document = json.loads(out)
    assert_valid("check", document)
    assert document["past_threshold"] is True
    assert [(p["chain"], p["past_threshold"], p["lines_crossed"]) for p in document["positions"]] == [
        ("devnet", False, []),
        ("devnet-l2", True, ["ltv:0.6"]),
    ]
    code, out, err = cli(*args)
    assert code == 3, err
    assert "devnet · block" in out and "devnet-l2 · block" in out  # both chains' tables
    (past,) = [line for line in out.splitlines() if line.startswith("PAST THRESHOLD")]
    assert f"{wallet} on aave-v3 (devnet-l2) crossed LTV 60%" in past  # the devnet-l2 loan, with its chain
    assert "To get back to a safe LTV" in out[out.index("PAST THRESHOLD") :]  # ... and what to do


def test_a_dead_chain_shows_its_error_and_the_other_chain_still_prints_exit_4(chain, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    dead = f"http://127.0.0.1:{closed_port()}"
    args = ["check", wallet, *both(address_book(tmp_path, chain.rpc_url, dead)), "--ltv", "0.4"]
    code, out, err = cli(*args, "--format", "json")
    assert code == 4, err
    assert "devnet-l2 could not be read" in err and "Traceback" not in err
    document = json.loads(out)
    assert_valid("check", document)
    devnet, l2 = document["chains"]
    assert (devnet["block"], devnet["error"]) == (chain.w3.eth.block_number, None)
    assert l2["block"] is None and "127.0.0.1" in l2["error"]
    assert [(p["chain"], p["account"]) for p in document["positions"]] == [("devnet", wallet)]
    code, out, err = cli(*args)
    assert code == 4
    assert "WBTC" in out and out.index("aave-v3") < out.index("devnet-l2: could not be read")
    assert "all 1 positions below" not in err  # a chain not read is never "all fine"
    assert aave_ltv(chain, wallet) < D("0.4")  # the verdict on what was read, and what was not
    assert "the 1 position read is below LTV 40%; not read: devnet-l2" in err


def test_a_dead_chain_does_not_hide_a_loan_past_its_line_exit_3(chain, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]  # about 33% on devnet: past a 30% line
    path = address_book(tmp_path, chain.rpc_url, f"http://127.0.0.1:{closed_port()}")
    code, out, err = cli("check", wallet, *both(path), "--ltv", "0.3", "--format", "json")
    assert code == 3, err  # a loan known to be in danger outranks a chain that could not be read
    assert "devnet-l2 could not be read" in err  # and the chain not read is still named
    document = json.loads(out)
    assert document["past_threshold"] is True and document["chains"][1]["error"]


def test_record_stores_every_chains_snapshot(chain, chain_l2, cli, tmp_path):
    from chainwatch.history import HistoryStore

    wallet = chain.deployment.demo_wallets["A"]
    db = str(tmp_path / "h.sqlite3")
    path = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    code, _, err = cli("check", wallet, *both(path), "--record", "--db", db)
    assert code == 0, err
    with HistoryStore.open(db) as store:
        assert store.stored_blocks(31337) == [chain.w3.eth.block_number]
        assert store.stored_blocks(31338) == [chain_l2.w3.eth.block_number]
        assert {row.chain for row in store.history(wallet)} == {"devnet", "devnet-l2"}
