// The auditor's phone app: log in, sync what the visits need, fill visits offline, send them from
// the outbox when a connection returns. It speaks only the public API (/api/v1/).
import { ApiError, LoginNeeded, call, collect, login } from "./api.mjs";
import { h, newId, when } from "./dom.mjs";
import * as outbox from "./outbox.mjs";
import { all, get, put, remember, remove, setting, wipe } from "./store.mjs";
import { errorsByField, hiddenItems, locate, renderVisit, visitBody } from "./visit.mjs";

const main = document.getElementById("app");
const network = document.getElementById("network");
const toast = document.getElementById("toast");

let toastTimer = null;

function say(message) {
  toast.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.textContent = ""; }, 4000);
}

/** Like element.replaceChildren, skipping the blanks (null, false) of optional parts. */
function show(...parts) {
  main.replaceChildren(...parts.filter((part) => part !== null && part !== false && part !== undefined));
}

/** The checklist's language: ?lang=, else the one remembered, else the browser's. */
async function language() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(asked)) {
    await remember("lang", asked.toLowerCase());
    return asked.toLowerCase();
  }
  return (await setting("lang")) || (navigator.language || "en").split("-")[0].toLowerCase();
}

const versionKey = (checklist, number, lang) => `${checklist}:${number}:${lang}`;

// --- sync ---------------------------------------------------------------------------------------

/** Download one checklist version's tree in `lang`, once: afterwards only revalidated (ETag, 304). */
async function fetchVersion(checklist, number, lang) {
  const key = versionKey(checklist, number, lang);
  const stored = await get("versions", key);
  const headers = stored ? { "If-None-Match": stored.etag } : {};
  const { status, data, etag } = await call(
    `/api/v1/checklists/${checklist}/versions/${number}/?lang=${encodeURIComponent(lang)}`, { headers });
  if (status === 304 && stored) return;
  await put("versions", { key, etag, tree: data, lang });
}

async function returnComment(visitId) {
  const history = await collect(`/api/v1/visits/${visitId}/history/`);
  const returned = history.filter((entry) => entry.action === "returned").pop();
  return (returned && returned.changes && returned.changes.comment) || "";
}

async function sync() {
  const lang = await language();
  const since = await setting("assignmentsSince");
  const query = since ? `?updated_since=${encodeURIComponent(since)}` : "";
  const changed = await collect(`/api/v1/assignments/${query}`);
  let newest = since;
  for (const assignment of changed) {
    await put("assignments", assignment);
    if (!newest || assignment.updated_at > newest) newest = assignment.updated_at;
  }
  for (const location of await collect("/api/v1/locations/")) await put("locations", location);
  for (const checklist of await collect("/api/v1/checklists/")) await put("checklists", checklist);
  const needed = new Set();
  for (const assignment of await all("assignments")) {
    if (assignment.status === "open") needed.add(`${assignment.checklist}:${assignment.checklist_version}`);
  }
  const returned = await collect("/api/v1/visits/?status=returned");
  const stillReturned = new Set(returned.map((visit) => visit.id));
  for (const old of await all("returned")) if (!stillReturned.has(old.id)) await remove("returned", old.id);
  for (const visit of returned) {
    needed.add(`${visit.checklist}:${visit.checklist_version}`);
    const known = await get("returned", visit.id);
    await put("returned", { ...visit, comment: known && known.updated_at === visit.updated_at ? known.comment : await returnComment(visit.id) });
  }
  for (const pair of needed) {
    const [checklist, number] = pair.split(":");
    await fetchVersion(checklist, number, lang);
  }
  if (newest) await remember("assignmentsSince", newest);
  await remember("syncedAt", new Date().toISOString());
}

// --- screens ------------------------------------------------------------------------------------

function loginScreen(problem = "") {
  const form = h("form", { class: "login", novalidate: true },
    h("h2", {}, "Log in"),
    problem ? h("p", { class: "error", role: "alert" }, problem) : null,
    h("div", { class: "field" }, h("label", { for: "username" }, "Username"),
      h("input", { id: "username", name: "username", autocomplete: "username", required: true })),
    h("div", { class: "field" }, h("label", { for: "password" }, "Password"),
      h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit", class: "primary" }, "Log in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await login(form.username.value, form.password.value);
    } catch (error) {
      const detail = error instanceof ApiError ? (error.errors[0] || {}).detail : "No connection: try again with signal.";
      loginScreen(detail || "Login failed.");
      return;
    }
    await refreshAndShow();
  });
  show(form);
}

async function stateOf(visitId, method = "POST") {
  const entry = (await outbox.entries()).find((e) => e.kind === "visit" && e.visitId === visitId && e.method === method);
  return entry ? entry.state : null;
}

function stateBadge(state) {
  return h("span", { class: `state state-${state}`, "data-state": state }, outbox.STATES[state] || state);
}

async function assignmentCard(assignment, drafts, lang) {
  const place = (await get("locations", assignment.location)) || { name: `Location ${assignment.location}` };
  const checklist = (await get("checklists", assignment.checklist)) || { name: `Checklist ${assignment.checklist}` };
  const ready = Boolean(await get("versions", versionKey(assignment.checklist, assignment.checklist_version, lang)));
  const draft = drafts.find((d) => d.assignment === assignment.id);
  const state = draft ? await stateOf(draft.id) : null;
  let action;
  if (state) action = stateBadge(state);
  else if (draft) action = h("a", { class: "button", href: `#visit/${draft.id}` }, "Continue the visit");
  else if (ready) action = h("button", { type: "button", class: "button", "data-start": assignment.id }, "Start the visit");
  else action = h("span", { class: "muted" }, "Sync to download the checklist");
  return h("li", { class: "card", "data-assignment": assignment.id },
    h("h3", {}, place.name),
    h("p", {}, checklist.name, " · due ", when(assignment.due_until)),
    assignment.instructions ? h("p", { class: "help" }, assignment.instructions) : null,
    h("p", { class: ready ? "ready" : "muted" }, ready ? "Ready offline" : "Not downloaded yet"),
    action);
}

async function outboxList() {
  const entries = (await outbox.entries()).slice().reverse();
  if (!entries.length) return h("p", { class: "muted" }, "Nothing waiting to be sent.");
  return h("ul", { class: "outbox" }, entries.map((entry) => {
    const label = entry.kind === "visit"
      ? (entry.method === "PUT" ? "Correction of a visit" : "Visit")
      : "Photo";
    const score = entry.kind === "visit" && entry.result && entry.result.score !== null && entry.result.score !== undefined
      ? ` · score ${entry.result.score}` : "";
    return h("li", { class: "entry", "data-entry": entry.kind, "data-visit": entry.visitId, "data-state": entry.state },
      h("span", {}, label, score), " ", stateBadge(entry.state),
      entry.state === "attention" ? h("p", { class: "error" },
        entry.errors.map((e) => e.detail).join(" "), " ",
        entry.kind === "visit" ? h("a", { href: `#visit/${entry.visitId}` }, "Fix it") : null) : null);
  }));
}

async function home() {
  const lang = await language();
  const drafts = await all("drafts");
  const open = (await all("assignments")).filter((a) => a.status === "open")
    .sort((a, b) => a.due_until.localeCompare(b.due_until));
  const returned = await all("returned");
  const cards = [];
  for (const assignment of open) cards.push(await assignmentCard(assignment, drafts, lang));
  const returnedCards = [];
  for (const visit of returned) {
    const draft = drafts.find((d) => d.id === visit.id && d.mode === "revise");
    const state = draft ? await stateOf(visit.id, "PUT") : null;
    if (state === "sent") continue;
    const place = (await get("locations", visit.location)) || { name: `Location ${visit.location}` };
    returnedCards.push(h("li", { class: "card", "data-returned": visit.id },
      h("h3", {}, place.name), h("p", {}, `Visited ${when(visit.started_at)}`),
      visit.comment ? h("p", { class: "notice" }, visit.comment) : null,
      state ? stateBadge(state) : h("a", { class: "button", href: `#visit/${visit.id}` }, "Correct it")));
  }
  const synced = await setting("syncedAt");
  show(
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "button", "data-action": "sync" }, "Sync"),
      h("button", { type: "button", class: "button secondary", "data-action": "logout" }, "Log out")),
    h("p", { class: "muted", "data-synced": synced || "" }, synced ? `Synced ${when(synced)}` : "Not synced yet"),
    h("h2", {}, "Assignments"),
    cards.length ? h("ul", { class: "cards" }, cards) : h("p", { class: "muted" }, "No open assignments."),
    returnedCards.length ? h("h2", {}, "Returned for correction") : null,
    returnedCards.length ? h("ul", { class: "cards" }, returnedCards) : null,
    h("h2", {}, "Outbox"),
    await outboxList());
}

async function newDraft(assignmentId) {
  const assignment = await get("assignments", assignmentId);
  const draft = {
    id: newId(),
    mode: "new",
    assignment: assignment.id,
    location: assignment.location,
    checklist: assignment.checklist,
    checklist_version: assignment.checklist_version,
    started_at: new Date().toISOString(),
    ended_at: null,
    position: null,
    answers: {},
    notes: "",
    photos: [],
  };
  await put("drafts", draft);
  location.hash = `#visit/${draft.id}`;
  const position = await locate();
  if (position) {
    const current = await get("drafts", draft.id);
    if (current && !current.position) {
      await put("drafts", { ...current, position });
      if (location.hash === `#visit/${draft.id}`) await route();
    }
  }
}

/** A returned visit becomes a draft to correct, its answers as the server holds them. */
async function revisionDraft(visit) {
  const answers = {};
  for (const answer of visit.answers) {
    answers[answer.item] = { value: answer.value, na: answer.na, comment: answer.comment || "" };
  }
  const draft = {
    id: visit.id, mode: "revise", assignment: visit.assignment, location: visit.location,
    checklist: visit.checklist, checklist_version: visit.checklist_version,
    started_at: visit.started_at, ended_at: visit.ended_at, position: visit.position,
    answers, notes: visit.notes || "", photos: [], returnComment: visit.comment,
  };
  await put("drafts", draft);
  return draft;
}

async function visitScreen(visitId) {
  const lang = await language();
  let draft = await get("drafts", visitId);
  const returned = await get("returned", visitId);
  if (returned && (!draft || draft.mode !== "revise")) draft = await revisionDraft(returned);
  if (!draft) return home();
  const version = await get("versions", versionKey(draft.checklist, draft.checklist_version, lang));
  if (!version) {
    show(h("p", { class: "error" }, "This checklist is not on the phone yet: sync with signal first."));
    return;
  }
  const method = draft.mode === "revise" ? "PUT" : "POST";
  const entry = (await outbox.entries()).find((e) => e.kind === "visit" && e.visitId === draft.id && e.method === method);
  draft.locked = Boolean(entry && entry.state !== "attention");
  const errors = entry && entry.state === "attention" ? errorsByField(entry.body, entry.errors) : {};
  const place = (await get("locations", draft.location)) || { name: "" };
  const checklist = (await get("checklists", draft.checklist)) || { name: "" };
  const heading = [place.name, checklist.name].filter(Boolean).join(": ");
  show();
  const back = h("p", {}, h("a", { href: "#" }, "← Back to the list"));
  const holder = h("div");
  main.append(back, holder);
  renderVisit(holder, {
    tree: version.tree, draft, heading, errors, lang,
    onSubmit: async (finished) => {
      const ready = { ...finished, ended_at: finished.mode === "revise" ? finished.ended_at : new Date().toISOString() };
      delete ready.locked;
      // A hidden item needs no photos: those taken before its branch closed stay on the phone, unsent.
      const hidden = hiddenItems(version.tree, ready);
      ready.photos = ready.photos.filter((photo) => !hidden.has(photo.item));
      await put("drafts", ready);
      const method = ready.mode === "revise" ? "PUT" : "POST";
      await outbox.queueVisit(ready.id, visitBody(version.tree, ready), method);
      const queued = new Set((await outbox.entries()).filter((e) => e.kind === "photo").map((e) => e.photoId));
      for (const photo of ready.photos) {
        if (!queued.has(photo.id)) await outbox.queuePhoto(ready.id, photo.id, photo.item);
      }
      say(navigator.onLine ? "Sending…" : "Saved in the outbox: it will be sent when a connection returns.");
      location.hash = "";
      kick();
    },
  });
}

async function route() {
  if (!(await setting("tokens"))) return loginScreen();
  const match = /^#visit\/([0-9a-f-]{36})$/.exec(location.hash);
  if (match) return visitScreen(match[1]);
  return home();
}

// --- connection, outbox and start ---------------------------------------------------------------

function showNetwork() {
  network.textContent = navigator.onLine ? "Online" : "Offline: your work is kept on the phone";
  network.dataset.online = String(navigator.onLine);
}

let flushStartedAt = null;

/** Send the outbox now; when it empties, note how long it took (document.body.dataset.flushMs). */
function kick() {
  if (!navigator.onLine) return;
  const started = flushStartedAt ?? performance.now();
  outbox.flush().then(async () => {
    const left = (await outbox.entries()).filter((e) => e.state === "queued" || e.state === "sending");
    if (!left.length) {
      document.body.dataset.flushMs = String(Math.round(performance.now() - started));
      flushStartedAt = null;
    }
  }).catch((error) => {
    if (error instanceof LoginNeeded) loginScreen("Your session has ended: log in again to send your work (it is kept on the phone).");
  });
}

async function refreshAndShow() {
  await route();
  if (!navigator.onLine) return;
  try {
    await sync();
    say("Synced: everything for your visits is on the phone.");
  } catch (error) {
    if (error instanceof LoginNeeded) return loginScreen("Your session has ended: log in again.");
    say("Sync failed: the app keeps what it has; try again with signal.");
  }
  if (!location.hash) await route();
  kick();
}

main.addEventListener("click", async (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  if (target.dataset.start) await newDraft(Number(target.dataset.start));
  else if (target.dataset.action === "sync") await refreshAndShow();
  else if (target.dataset.action === "logout") {
    const waiting = (await outbox.entries()).filter((e) => e.state !== "sent").length;
    if (waiting && !window.confirm(`${waiting} item(s) are not sent yet and will be lost. Log out anyway?`)) return;
    await wipe();
    loginScreen();
  }
});

outbox.onChange(() => {
  if (!location.hash && main.querySelector(".outbox, .toolbar")) route();
});

window.addEventListener("hashchange", route);
window.addEventListener("online", () => {
  showNetwork();
  flushStartedAt = performance.now();
  kick();
});
window.addEventListener("offline", showNetwork);

async function start() {
  showNetwork();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(document.body.dataset.worker, { scope: "/app/" }).catch(() => {});
  }
  await outbox.recover();
  await refreshAndShow();
  document.body.dataset.ready = "true";
}

start();
