// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IAggregatorV3} from "./ProductPriceFeed.sol";

/// @title ChainlinkMorphoOracle
/// @notice The devnet's Morpho Blue oracle (IOracle): the price of one collateral unit in loan
/// units, scaled by 1e36, derived from Chainlink-style feeds the way Morpho's
/// MorphoChainlinkOracleV2 does (base feeds multiplied, divided by a quote feed), so moving the
/// devnet's BTC/USD feed moves the Morpho market exactly as it moves Aave's and the Comet's.
/// Written here (Morpho's oracle contracts are not in the npm package); it follows IOracle's
/// rule that the price carries 36 + loan decimals − collateral decimals decimals.
contract ChainlinkMorphoOracle {
    IAggregatorV3 public immutable baseFeed1;
    IAggregatorV3 public immutable baseFeed2;
    IAggregatorV3 public immutable quoteFeed;
    uint256 public immutable scaleFactor;

    /// @dev Base feeds e.g. WBTC/BTC and BTC/USD, quote feed e.g. USDC/USD.
    constructor(
        IAggregatorV3 baseFeed1_,
        IAggregatorV3 baseFeed2_,
        IAggregatorV3 quoteFeed_,
        uint8 collateralDecimals,
        uint8 loanDecimals
    ) {
        baseFeed1 = baseFeed1_;
        baseFeed2 = baseFeed2_;
        quoteFeed = quoteFeed_;
        // price = scaleFactor · base1 · base2 / quote, where the feeds' own decimals cancel into
        // 10^(36 + loan + quote feed − collateral − base feed 1 − base feed 2).
        scaleFactor = 10 **
            (36 + uint256(loanDecimals) + quoteFeed_.decimals() - collateralDecimals - baseFeed1_.decimals()
                - baseFeed2_.decimals());
    }

    function price() external view returns (uint256) {
        return scaleFactor * _answer(baseFeed1) * _answer(baseFeed2) / _answer(quoteFeed);
    }

    function _answer(IAggregatorV3 feed) private view returns (uint256) {
        (, int256 answer, , , ) = feed.latestRoundData();
        require(answer > 0, "negative answer");
        return uint256(answer);
    }
}
