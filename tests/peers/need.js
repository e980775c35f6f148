// need(name): a module of tests/package.json, or exit 2 with a message
// that says how to get it (rather than node's "Cannot find module").
"use strict";

module.exports = function need(name) {
  try {
    return require(name);
  } catch (err) {
    if (err.code !== "MODULE_NOT_FOUND" || !err.message.includes(`'${name}'`)) throw err;
    console.error(`node module ${name} is missing: run \`npm ci\` in tests/ (scripts/setup-deps does it)`);
    process.exit(2);
  }
};
