// Compiles the devnet's own Solidity with solc-js (the exact version pinned in package-lock.json).
// Usage: node compile.js <toolchain node_modules dir> <out.json> <file.sol>...
// Writes the standard-JSON output to <out.json>; exits 1 with the compiler's errors otherwise.
// A script rather than the solcjs command line because solcjs prints a notice before its JSON.
'use strict';
const fs = require('fs');
const path = require('path');

const [nodeModules, outPath, ...files] = process.argv.slice(2);
const solc = require(path.join(nodeModules, 'solc'));

const sources = {};
for (const file of files) {
  sources[path.basename(file)] = { content: fs.readFileSync(file, 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'paris',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  process.stderr.write(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
fs.writeFileSync(outPath, JSON.stringify(output));
