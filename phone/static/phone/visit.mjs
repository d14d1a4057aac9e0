// Filling a visit: every item type, show_if evaluated on the phone as the server does, N/A where
// allowed, comments, camera photos, GPS and times. Each change is saved to IndexedDB at once, so a
// draft survives the browser being closed; the server's refusals appear beside the field they name.
import { h, newId, when } from "./dom.mjs";
import { visibility } from "./logic.mjs";
import { resized } from "./photos.mjs";
import { get, put, remove } from "./store.mjs";

const TYPES_WITH_VALUE = new Set(["yes_no", "scale", "choice", "number", "text"]);

/** The answers the show_if walk reads: answered (or N/A) items only, as the server builds them. */
function walkAnswers(draft) {
  const out = {};
  for (const [key, answer] of Object.entries(draft.answers)) {
    if (answer.na || (answer.value !== null && answer.value !== undefined)) {
      out[key] = { value: answer.value, na: Boolean(answer.na) };
    }
  }
  return out;
}

export function hiddenItems(tree, draft) {
  return new Set(visibility(tree.sections, walkAnswers(draft)).hidden);
}

/** The API body of a visit (contract: POST /api/v1/visits/), from a draft and its version's tree. */
export function visitBody(tree, draft) {
  const hidden = hiddenItems(tree, draft);
  const answers = [];
  for (const section of tree.sections) {
    for (const item of section.items) {
      if (hidden.has(item.key) || !TYPES_WITH_VALUE.has(item.type)) continue;
      const answer = draft.answers[item.key] || {};
      answers.push({
        item: item.key,
        value: answer.na ? null : (answer.value ?? null),
        na: Boolean(answer.na),
        comment: answer.comment || "",
      });
    }
  }
  const body = {
    id: draft.id,
    location: draft.location,
    checklist: draft.checklist,
    checklist_version: draft.checklist_version,
    kind: "mystery",
    started_at: draft.started_at,
    ended_at: draft.ended_at,
    answers,
    notes: draft.notes || "",
  };
  if (draft.assignment) body.assignment = draft.assignment;
  if (draft.position) body.position = draft.position;
  return body;
}

/** Shown items still waiting for an answer (checked before a visit is queued). */
export function unanswered(tree, draft) {
  const hidden = hiddenItems(tree, draft);
  const missing = [];
  for (const section of tree.sections) {
    for (const item of section.items) {
      const answer = draft.answers[item.key] || {};
      const given = answer.na || (answer.value !== null && answer.value !== undefined);
      if (!hidden.has(item.key) && TYPES_WITH_VALUE.has(item.type) && !given) missing.push(item.key);
    }
  }
  return missing;
}

/** The server's errors ({code, detail, attr}) by item key (answers.N.* names the body's N-th answer), or "visit". */
export function errorsByField(body, errors) {
  const out = {};
  for (const error of errors) {
    let field = "visit";
    const match = /^answers\.(\d+)/.exec(error.attr || "");
    if (match && body && body.answers[Number(match[1])]) field = body.answers[Number(match[1])].item;
    (out[field] = out[field] || []).push(error.attr && field === "visit" ? `${error.attr}: ${error.detail}` : error.detail);
  }
  return out;
}

function parse(item, raw) {
  if (raw === "" || raw === null || raw === undefined) return null;
  if (item.type === "yes_no") return raw === "true";
  if (item.type === "scale") return Number.parseInt(raw, 10);
  if (item.type === "number") {
    const number = Number(raw);
    return Number.isFinite(number) ? number : null;
  }
  return raw; // choice (an option key) and text
}

function radios(item, answer, options) {
  return h("div", { class: "choices", role: "radiogroup", "aria-labelledby": `prompt-${item.key}` },
    options.map(([value, label]) => h("label", { class: "choice" },
      h("input", {
        type: "radio", name: `value-${item.key}`, value: String(value), "data-role": "value",
        checked: answer.value !== null && answer.value !== undefined && String(answer.value) === String(value),
      }),
      h("span", {}, label))));
}

function valueInput(item, answer) {
  if (item.type === "yes_no") return radios(item, answer, [[true, "Yes"], [false, "No"]]);
  if (item.type === "scale") {
    const options = [];
    for (let n = item.scale_min; n <= item.scale_max; n += 1) options.push([n, String(n)]);
    return radios(item, answer, options);
  }
  if (item.type === "choice") return radios(item, answer, item.options.map((o) => [o.key, o.label]));
  const id = `value-${item.key}`;
  if (item.type === "number") {
    return h("div", { class: "field" }, h("label", { for: id }, "Value"),
      h("input", { id, type: "number", inputmode: "decimal", step: "any", "data-role": "value", value: answer.value ?? "" }));
  }
  if (item.type === "text") {
    const area = h("textarea", { id, rows: 3, "data-role": "value" });
    area.value = answer.value ?? "";
    return h("div", { class: "field" }, h("label", { for: id }, "Your answer"), area);
  }
  return null;
}

function photoBlock(item, draft) {
  const max = item.photo ? item.photo.max : 0;
  if (!max) return null;
  const mine = draft.photos.filter((p) => p.item === item.key);
  const id = `camera-${item.key}`;
  return h("div", { class: "photos" },
    h("p", { class: "count" }, `Photos: ${mine.length} (${item.photo.min}–${max})`,
      draft.mode === "revise" ? ", besides those already sent" : ""),
    h("ul", { class: "thumbs", "data-thumbs": item.key }),
    mine.length < max && !draft.locked ? h("label", { class: "button secondary", for: id }, "Take a photo",
      h("input", { id, type: "file", accept: "image/*", capture: "environment", class: "sr-only", "data-role": "photo" })) : null);
}

function itemBlock(item, draft, errors) {
  const answer = draft.answers[item.key] || {};
  const errorId = `error-${item.key}`;
  const comment = h("textarea", { id: `comment-${item.key}`, rows: 2, "data-role": "comment" });
  comment.value = answer.comment || "";
  const problems = errors[item.key] || [];
  return h("fieldset", {
    class: problems.length ? "item invalid" : "item", id: `item-${item.key}`, "data-item": item.key,
    "data-type": item.type, "aria-describedby": problems.length ? errorId : null,
  },
  h("legend", { id: `prompt-${item.key}` }, item.prompt, item.critical ? h("span", { class: "badge" }, " critical") : null),
  item.help_text ? h("p", { class: "help" }, item.help_text) : null,
  problems.length ? h("p", { class: "error", id: errorId, role: "alert" }, problems.join(" ")) : null,
  answer.na ? null : valueInput(item, answer),
  item.allow_na ? h("label", { class: "na" },
    h("input", { type: "checkbox", "data-role": "na", checked: Boolean(answer.na) }), " Not applicable") : null,
  item.type === "photo" || item.photo?.min ? photoBlock(item, draft) : null,
  item.type !== "photo" ? h("details", { open: Boolean(answer.comment) || draft.photos.some((p) => p.item === item.key) },
    h("summary", {}, item.photo?.max && !item.photo.min ? "Comment or photo" : "Comment"),
    h("label", { for: `comment-${item.key}`, class: "sr-only" }, `Comment on: ${item.prompt}`), comment,
    item.photo?.min ? null : photoBlock(item, draft)) : null);
}

async function drawThumbs(root, draft) {
  for (const list of root.querySelectorAll("[data-thumbs]")) {
    list.replaceChildren();
    for (const photo of draft.photos.filter((p) => p.item === list.dataset.thumbs)) {
      const stored = await get("photos", photo.id);
      const label = `Photo ${photo.width}×${photo.height}`;
      list.append(h("li", { "data-photo": photo.id },
        stored ? h("img", { src: URL.createObjectURL(stored.blob), alt: label, width: 96 }) : h("span", {}, `${label} (sent)`),
        draft.locked ? null : h("button", { type: "button", class: "link", "data-remove": photo.id }, "Remove")));
    }
  }
}

function applyVisibility(root, tree, draft) {
  const hidden = hiddenItems(tree, draft);
  for (const block of root.querySelectorAll("fieldset.item")) block.hidden = hidden.has(block.dataset.item);
  for (const section of root.querySelectorAll("section.checklist-section")) {
    section.hidden = !section.querySelector("fieldset.item:not([hidden])");
  }
  root.dataset.hidden = [...hidden].join(" ");
}

function positionText(position) {
  if (!position) return "No position yet.";
  return `${position.latitude.toFixed(5)}, ${position.longitude.toFixed(5)} (±${position.accuracy_m} m)`;
}

export function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (found) => resolve({
        latitude: Number(found.coords.latitude.toFixed(6)),
        longitude: Number(found.coords.longitude.toFixed(6)),
        accuracy_m: Math.round(found.coords.accuracy),
      }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });
}

/**
 * Draws the form of `draft` into `root`. `onSubmit(draft)` queues it; `heading` names the visit.
 */
export function renderVisit(root, { tree, draft, heading, errors = {}, onSubmit, lang }) {
  const form = h("form", { class: "visit", lang, novalidate: true, "data-visit": draft.id },
    h("h2", {}, heading),
    draft.returnComment ? h("p", { class: "notice" }, `Returned for correction: ${draft.returnComment}`) : null,
    errors.visit ? h("p", { class: "error", role: "alert", id: "error-visit" }, errors.visit.join(" ")) : null,
    h("p", { class: "times" }, `Started ${when(draft.started_at)}`, draft.ended_at ? `, ended ${when(draft.ended_at)}` : ""),
    h("p", { class: "position" }, h("span", { "data-position": "" }, positionText(draft.position)), " ",
      draft.locked ? null : h("button", { type: "button", class: "link", "data-role": "locate" }, "Update position")),
    tree.sections.map((section) => h("section", { class: "checklist-section", "data-section": section.key },
      h("h3", {}, section.title),
      section.items.map((item) => itemBlock(item, draft, errors)))),
    h("div", { class: "field" }, h("label", { for: "notes" }, "Notes"),
      Object.assign(h("textarea", { id: "notes", rows: 3, "data-role": "notes" }), { value: draft.notes || "" })),
    draft.locked ? null : h("button", { type: "submit", class: "primary" }, draft.mode === "revise" ? "Send the correction" : "Finish and send"));
  root.replaceChildren(form);
  applyVisibility(form, tree, draft);
  drawThumbs(form, draft);
  if (draft.locked) for (const control of form.querySelectorAll("input, textarea")) control.disabled = true;

  const items = new Map(tree.sections.flatMap((s) => s.items).map((item) => [item.key, item]));
  const save = () => put("drafts", draft);

  form.addEventListener("input", async (event) => {
    const target = event.target;
    const role = target.dataset.role;
    if (role === "notes") {
      draft.notes = target.value;
      await save();
      return;
    }
    const block = target.closest("fieldset.item");
    if (!block || !["value", "comment"].includes(role)) return;
    const item = items.get(block.dataset.item);
    const answer = (draft.answers[item.key] = draft.answers[item.key] || { value: null, na: false, comment: "" });
    if (role === "comment") answer.comment = target.value;
    else answer.value = parse(item, target.value);
    await save();
    applyVisibility(form, tree, draft);
  });

  form.addEventListener("change", async (event) => {
    const target = event.target;
    const block = target.closest("fieldset.item");
    if (!block) return;
    const item = items.get(block.dataset.item);
    if (target.dataset.role === "na") {
      const answer = (draft.answers[item.key] = draft.answers[item.key] || { value: null, na: false, comment: "" });
      answer.na = target.checked;
      await save();
      renderVisit(root, { tree, draft, heading, errors, onSubmit, lang });
      return;
    }
    if (target.dataset.role === "photo" && target.files.length) {
      const { blob, width, height } = await resized(target.files[0]);
      const id = newId();
      await put("photos", { id, visitId: draft.id, item: item.key, blob });
      draft.photos.push({ id, item: item.key, width, height });
      await save();
      renderVisit(root, { tree, draft, heading, errors, onSubmit, lang });
    }
  });

  form.addEventListener("click", async (event) => {
    const target = event.target;
    if (target.dataset.remove) {
      draft.photos = draft.photos.filter((p) => p.id !== target.dataset.remove);
      await remove("photos", target.dataset.remove);
      await save();
      renderVisit(root, { tree, draft, heading, errors, onSubmit, lang });
    } else if (target.dataset.role === "locate") {
      const position = await locate();
      if (position) {
        draft.position = position;
        await save();
        form.querySelector("[data-position]").textContent = positionText(position);
      }
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const missing = unanswered(tree, draft);
    if (missing.length) {
      const local = Object.fromEntries(missing.map((key) => [key, ["Please answer this question (or mark it N/A where allowed)."]]));
      renderVisit(root, { tree, draft, heading, errors: local, onSubmit, lang });
      root.querySelector(`#item-${CSS.escape(missing[0])}`).scrollIntoView();
      return;
    }
    await onSubmit(draft);
  });
}
