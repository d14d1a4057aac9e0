#!/usr/bin/env node
// Runs the conformance cases (checklists/logic_cases.json) through the PHONE APP's evaluator
// (phone/static/phone/logic.mjs over its vendored json-logic-js), exactly as the browser loads them,
// and prints one {result, shown} or {hidden, unanswered} per case, as tests/js/run_cases.js does.
//
//   node tests/phone/run_app_cases.mjs checklists/logic_cases.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// In the browser a classic <script> defines window.jsonLogic; here its UMD wrapper exports it.
globalThis.jsonLogic = require("../../phone/static/phone/vendor/json-logic-2.0.5.js");
const { evaluate, truthy, visibility } = await import("../../phone/static/phone/logic.mjs");

function encode(value) {
  if (value === undefined) return { $undefined: true };
  if (typeof value === "number" && !Number.isFinite(value)) return { $number: String(value) };
  if (typeof value === "function") return { $function: true };
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encode(item)]));
  }
  return value;
}

const file = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = file.cases.map((c) => {
  if (c.sections !== undefined) return visibility(c.sections, c.answers || {});
  const result = evaluate(c.logic, c.data);
  return { result: encode(result), shown: truthy(result) };
});
process.stdout.write(JSON.stringify(out));
