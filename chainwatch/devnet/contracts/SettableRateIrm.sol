// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @dev Morpho Blue's MarketParams and Market structs (IMorpho.sol), so the IIrm functions below
/// have Morpho's exact selectors and ABI.
struct MarketParams {
    address loanToken;
    address collateralToken;
    address oracle;
    address irm;
    uint256 lltv;
}

struct Market {
    uint128 totalSupplyAssets;
    uint128 totalSupplyShares;
    uint128 totalBorrowAssets;
    uint128 totalBorrowShares;
    uint128 lastUpdate;
    uint128 fee;
}

/// @title SettableRateIrm — a STAND-IN for Morpho's AdaptiveCurveIrm
/// @notice Implements Morpho Blue's IIrm with a flat per-second borrow rate (WAD) its owner sets,
/// so tests choose the rate instead of reproducing the adaptive curve. Morpho itself is real
/// bytecode; only its interest-rate model is stood in for.
contract SettableRateIrm {
    address public immutable owner;
    uint256 public ratePerSecond;

    constructor(uint256 ratePerSecond_) {
        owner = msg.sender;
        ratePerSecond = ratePerSecond_;
    }

    function setRatePerSecond(uint256 ratePerSecond_) external {
        require(msg.sender == owner, "not owner");
        ratePerSecond = ratePerSecond_;
    }

    function borrowRate(MarketParams memory, Market memory) external view returns (uint256) {
        return ratePerSecond;
    }

    function borrowRateView(MarketParams memory, Market memory) external view returns (uint256) {
        return ratePerSecond;
    }
}
