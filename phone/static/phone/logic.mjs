// show_if on the phone, with the server's semantics (README, "Checklist logic"): json-logic-js 2.0.5
// applied to data holding EVERY item key (the answer's value, or null when N/A, hidden or
// unanswered), items walked in checklist order, shown when the result is truthy by JavaScript's
// rules. tests/phone/ runs checklists/logic_cases.json through this module.

function library() {
  const found = globalThis.jsonLogic;
  if (!found) throw new Error("json-logic-js is not loaded");
  return found;
}

/** The result of one expression on `data`, exactly as json-logic-js computes it. */
export function evaluate(logic, data) {
  return library().apply(logic, data);
}

export function truthy(value) {
  return library().truthy(value);
}

function shows(logic, data) {
  return logic === undefined || logic === null || truthy(evaluate(logic, data));
}

/**
 * Which items are hidden, and which shown ones have no answer, given `answers`
 * ({key: {value, na}}; a missing key is unanswered). Photo items never count as unanswered.
 */
export function visibility(sections, answers) {
  const data = {};
  for (const section of sections) for (const item of section.items) data[item.key] = null;
  const hidden = [];
  const unanswered = [];
  for (const section of sections) {
    const sectionShown = shows(section.show_if, data);
    for (const item of section.items) {
      if (!(sectionShown && shows(item.show_if, data))) {
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
