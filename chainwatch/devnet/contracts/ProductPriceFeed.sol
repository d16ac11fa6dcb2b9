// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

interface IAggregatorV3 {
    function decimals() external view returns (uint8);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @title ProductPriceFeed
/// @notice A composite feed answering feedA × feedB / 10^decimals(feedB), like mainnet's
/// "wBTC/BTC/USD" source in AaveOracle: the devnet's WBTC price is WBTC/BTC × BTC/USD, so moving
/// BTC/USD moves WBTC exactly as it does on mainnet. Answers carry feedA's decimals.
contract ProductPriceFeed {
    IAggregatorV3 public immutable feedA;
    IAggregatorV3 public immutable feedB;
    uint8 public immutable decimals;
    int256 private immutable scaleB;
    string public description;

    constructor(IAggregatorV3 feedA_, IAggregatorV3 feedB_, string memory description_) {
        feedA = feedA_;
        feedB = feedB_;
        decimals = feedA_.decimals();
        scaleB = int256(10 ** uint256(feedB_.decimals()));
        description = description_;
    }

    /// @notice The product's round; timestamps are the older of the two, since the product is
    /// only as fresh as its stalest input.
    function latestRoundData()
        public
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (uint80 roundA, int256 a, uint256 startedA, uint256 updatedA, ) = feedA.latestRoundData();
        (, int256 b, uint256 startedB, uint256 updatedB, ) = feedB.latestRoundData();
        answer = (a * b) / scaleB;
        startedAt = startedA < startedB ? startedA : startedB;
        updatedAt = updatedA < updatedB ? updatedA : updatedB;
        return (roundA, answer, startedAt, updatedAt, roundA);
    }

    function latestAnswer() external view returns (int256 answer) {
        (, answer, , , ) = latestRoundData();
    }

    function latestTimestamp() external view returns (uint256 updatedAt) {
        (, , , updatedAt, ) = latestRoundData();
    }
}
