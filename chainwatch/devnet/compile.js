// Compiles Solidity with solc-js (the exact versions pinned in package-lock.json).
// Usage: node compile.js <toolchain node_modules dir> <solc package> <out.json> <settings JSON> <source root> <file.sol>...
// <solc package> names the compiler in node_modules ("solc", or an alias such as "solc-0.8.27").
// Each file is named by its path under <source root>, so relative imports between the files
// resolve (Morpho Blue's src/ tree). <settings JSON> is solc's standard-JSON "settings" without
// outputSelection; its "remappings" apply to imports as in foundry. An import that is not one of
// the files is read from <source root>, else from <toolchain node_modules dir> (solc's base and
// include paths), so a remapping can point into an npm package ("solidity-utils/=@bgd-labs/...").
// Writes the standard-JSON output to <out.json>; exits 1 with the compiler's errors otherwise.
// A script rather than the solcjs command line because solcjs prints a notice before its JSON.
'use strict';
const fs = require('fs');
const path = require('path');

const [nodeModules, solcPackage, outPath, settingsJson, sourceRoot, ...files] = process.argv.slice(2);
const solc = require(path.join(nodeModules, solcPackage));

const sources = {};
for (const file of files) {
  sources[path.relative(sourceRoot, file)] = { content: fs.readFileSync(file, 'utf8') };
}

function findImport(name) {
  for (const base of [sourceRoot, nodeModules]) {
    const file = path.join(base, name);
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: `${name} not found under ${sourceRoot} or ${nodeModules}` };
}

const settings = JSON.parse(settingsJson);
settings.outputSelection = {
  '*': { '*': ['abi', 'evm.bytecode.object', 'evm.bytecode.linkReferences', 'evm.deployedBytecode.object'] },
};
const input = JSON.stringify({ language: 'Solidity', sources, settings });
const output = JSON.parse(solc.compile(input, { import: findImport }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  process.stderr.write(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
fs.writeFileSync(outPath, JSON.stringify(output));
