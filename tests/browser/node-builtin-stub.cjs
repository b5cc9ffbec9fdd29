// Stands in for a Node built-in that an SDK requires but never calls in a browser (esbuild alias in sdks.test.mjs).
module.exports = {};
