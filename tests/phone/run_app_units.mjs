#!/usr/bin/env node
// Runs the phone app's pure helpers (the visit body, the server's errors by field, the photo size)
// on the inputs given as JSON on stdin, and prints their outputs as JSON: tests/phone/test_visit_body.py.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
globalThis.jsonLogic = require("../../phone/static/phone/vendor/json-logic-2.0.5.js");
const { errorsByField, unanswered, visitBody } = await import("../../phone/static/phone/visit.mjs");
const { fitted } = await import("../../phone/static/phone/photos.mjs");

const input = JSON.parse(readFileSync(0, "utf8"));
const out = {
  body: visitBody(input.tree, input.draft),
  unanswered: unanswered(input.tree, input.draft),
  errors: errorsByField(visitBody(input.tree, input.draft), input.errors),
  sizes: input.sizes.map(([width, height]) => fitted(width, height)),
};
process.stdout.write(JSON.stringify(out));
