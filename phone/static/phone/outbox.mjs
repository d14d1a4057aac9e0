// The outbox: visits, revisions and photos wait here (IndexedDB) with their phone-made UUIDs until a
// connection lets them go. Sent in order (a visit before its photos), retried blindly on no answer,
// 5xx or 429 (the API's idempotency makes a resend safe: same id, same body, same stored object);
// a refusal (400, 409, 413, 415) stops that entry at "needs attention" with the server's errors.
import { ApiError, LoginNeeded, NetworkError, call } from "./api.mjs";
import { all, db, get, put, remove } from "./store.mjs";

export const STATES = { queued: "Queued", sending: "Sending", sent: "Sent", attention: "Needs attention" };
const RETRY_MS = [500, 1000, 2000, 4000, 8000];

let running = null;
let timer = null;
const listeners = new Set();

export function onChange(listener) {
  listeners.add(listener);
}

function changed() {
  for (const listener of listeners) listener();
}

export async function entries() {
  return all("outbox");
}

/** Queue a visit (POST) or a correction of a returned one (PUT), replacing an unsent earlier body. */
export async function queueVisit(visitId, body, method) {
  const database = await db();
  const existing = (await database.getAll("outbox")).find((e) => e.kind === "visit" && e.visitId === visitId && e.method === method);
  const entry = { ...(existing || {}), kind: "visit", visitId, method, body, state: "queued", errors: [], attempts: 0 };
  await database.put("outbox", entry);
  changed();
}

export async function queuePhoto(visitId, photoId, item) {
  await put("outbox", { kind: "photo", visitId, photoId, item, state: "queued", errors: [], attempts: 0 });
  changed();
}

async function save(entry) {
  await put("outbox", entry);
  changed();
}

async function sendVisit(entry) {
  const path = entry.method === "PUT" ? `/api/v1/visits/${entry.visitId}/` : "/api/v1/visits/";
  const { data } = await call(path, { method: entry.method, json: entry.body });
  return data;
}

async function sendPhoto(entry) {
  const photo = await get("photos", entry.photoId);
  const form = new FormData();
  form.append("id", entry.photoId);
  form.append("item", entry.item || "");
  form.append("image", photo.blob, `${entry.photoId}.jpg`);
  const { data } = await call(`/api/v1/visits/${entry.visitId}/photos/`, { method: "POST", form });
  await remove("photos", entry.photoId); // on the server now: free the phone's storage
  return data;
}

function retriable(error) {
  if (error instanceof NetworkError) return true;
  return error instanceof ApiError && (error.status >= 500 || error.status === 429);
}

async function attempt(entry) {
  await save({ ...entry, state: "sending" });
  try {
    const result = entry.kind === "visit" ? await sendVisit(entry) : await sendPhoto(entry);
    await save({ ...entry, state: "sent", errors: [], result, sentAt: Date.now() });
    return true;
  } catch (error) {
    if (error instanceof LoginNeeded) {
      await save({ ...entry, state: "queued" });
      throw error;
    }
    if (retriable(error)) {
      await save({ ...entry, state: "queued", attempts: entry.attempts + 1 });
      return false;
    }
    const errors = error instanceof ApiError && error.errors.length
      ? error.errors
      : [{ code: "error", detail: String(error.message || error), attr: null }];
    await save({ ...entry, state: "attention", errors, status: error.status || null });
    return true;
  }
}

/** The next entry that may go: the oldest unsent one whose visit (for a photo) is already sent. */
function next(list) {
  const visits = new Map(list.filter((e) => e.kind === "visit").map((e) => [e.visitId, e]));
  return list.find((e) => e.state !== "sent" && e.state !== "attention"
    && (e.kind === "visit" || (visits.get(e.visitId) || { state: "sent" }).state === "sent"));
}

async function drain() {
  for (;;) {
    if (!navigator.onLine) return;
    const entry = next(await entries());
    if (!entry) return;
    const done = await attempt(entry);
    if (!done) {
      schedule(RETRY_MS[Math.min(entry.attempts, RETRY_MS.length - 1)]);
      return;
    }
  }
}

/** Send what can be sent now; a single run at a time. Resolves when it stops (done, offline or waiting). */
export function flush() {
  if (running === null) {
    running = drain().finally(() => { running = null; changed(); });
  }
  return running;
}

export function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => flush().catch(() => {}), ms);
}

/** On start, an entry left "sending" by a closed page was never confirmed: send it again. */
export async function recover() {
  for (const entry of await entries()) {
    if (entry.state === "sending") await put("outbox", { ...entry, state: "queued" });
  }
}
