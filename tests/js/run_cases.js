#!/usr/bin/env node
// Runs the conformance cases (checklists/logic_cases.json) through json-logic-js and prints, as
// JSON, one {result, shown} (expression cases) or {hidden, unanswered} (checklist cases) per case.
// The Python test compares these with the file's expectations and with the server's evaluator.
//
//   node tests/js/run_cases.js checklists/logic_cases.json
"use strict";

const fs = require("fs");
const jsonLogic = require("json-logic-js");

// JSON cannot say `undefined` or Infinity: spell them as the cases file does.
function encode(value) {
  if (value === undefined) return { $undefined: true };
  if (typeof value === "number" && !Number.isFinite(value)) return { $number: String(value) };
  if (typeof value === "function") return { $function: true };
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value)) out[key] = encode(value[key]);
    return out;
  }
  return value;
}

// The visibility walk a phone performs: items in order; every item key is in the data, holding
// the answer's value, or null when it is N/A, hidden or unanswered.
function visibility(sections, answers) {
  const data = {};
  for (const section of sections) for (const item of section.items) data[item.key] = null;
  const hidden = [];
  const unanswered = [];
  const shows = (logic) =>
    logic === undefined || logic === null || jsonLogic.truthy(jsonLogic.apply(logic, data));
  for (const section of sections) {
    const sectionShown = shows(section.show_if);
    for (const item of section.items) {
      if (!(sectionShown && shows(item.show_if))) {
        hidden.push(item.key);
        continue;
      }
      const answer = answers[item.key];
      if (answer === undefined) {
        if (item.type !== "photo") unanswered.push(item.key);
        continue;
      }
      if (!answer.na) data[item.key] = answer.value === undefined ? null : answer.value;
    }
  }
  return { hidden, unanswered };
}

const file = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = file.cases.map((c) => {
  if (c.sections !== undefined) return visibility(c.sections, c.answers || {});
  const result = jsonLogic.apply(c.logic, c.data);
  return { result: encode(result), shown: jsonLogic.truthy(result) };
});
process.stdout.write(JSON.stringify(out));
