// `make assets`: bundles bpmn-js-bpmnlint and the compiled bpmnlint rule set into
// app/web/static/vendor/bpmnlint/ (served by the app itself: users' networks may be closed).
// Run from the repository root, after `npm ci`.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const require = createRequire(import.meta.url);
const compileConfig = require("bpmnlint/lib/support/compile-config");
const config = require("./bpmnlint.config.js");

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, "app/web/static/vendor/bpmnlint");

const compiledConfig = {
  name: "bpmnlint-config",
  setup(bundler) {
    bundler.onResolve({ filter: /^invoiceflow:bpmnlint-config$/ }, (args) => ({
      path: args.path,
      namespace: "bpmnlint-config",
    }));
    bundler.onLoad({ filter: /.*/, namespace: "bpmnlint-config" }, async () => ({
      contents: await compileConfig(config),
      resolveDir: root,
      loader: "js",
    }));
  },
};

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, "frontend/lint-entry.js")],
  outfile: join(out, "bpmnlint.min.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
  plugins: [compiledConfig],
});
copyFileSync(
  join(root, "node_modules/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css"),
  join(out, "bpmn-js-bpmnlint.css"),
);
