// The public API (/api/v1/), as any third-party client speaks it: JWT with a kept refresh token.
import { remember, setting } from "./store.mjs";

export class ApiError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }

  /** The contract's error list: [{code, detail, attr}]. */
  get errors() {
    return (this.body && Array.isArray(this.body.errors)) ? this.body.errors : [];
  }
}

/** No answer at all (no signal, a dropped connection): safe to retry. */
export class NetworkError extends Error {}

/** The refresh token is spent or expired: the auditor must log in again (their data stays). */
export class LoginNeeded extends Error {}

async function send(path, { method = "GET", json, form, headers = {}, token } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, cache: "no-store" };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  try {
    return await fetch(path, init);
  } catch (error) {
    throw new NetworkError(String(error));
  }
}

async function body(response) {
  if (response.status === 204 || response.status === 304) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export async function login(username, password) {
  const response = await send("/api/v1/auth/token/", { method: "POST", json: { username, password } });
  const data = await body(response);
  if (!response.ok) throw new ApiError(response.status, data);
  await remember("tokens", { access: data.access, refresh: data.refresh });
}

let refreshing = null;

async function refresh() {
  const tokens = await setting("tokens");
  if (!tokens) throw new LoginNeeded();
  const response = await send("/api/v1/auth/token/refresh/", { method: "POST", json: { refresh: tokens.refresh } });
  const data = await body(response);
  if (response.status === 401 || response.status === 400) throw new LoginNeeded();
  if (!response.ok) throw new ApiError(response.status, data);
  // Refresh tokens rotate: the one sent is spent, keep the new one.
  await remember("tokens", { access: data.access, refresh: data.refresh || tokens.refresh });
}

/** Calls the API as the logged-in auditor; one refresh (shared by parallel calls) on a 401. */
export async function call(path, options = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const tokens = await setting("tokens");
    if (!tokens) throw new LoginNeeded();
    const response = await send(path, { ...options, token: tokens.access });
    if (response.status === 401 && attempt === 0) {
      refreshing = refreshing || refresh().finally(() => { refreshing = null; });
      await refreshing;
      continue;
    }
    if (response.status === 401) throw new LoginNeeded();
    const data = await body(response);
    if (!response.ok && response.status !== 304) throw new ApiError(response.status, data);
    return { status: response.status, data, etag: response.headers.get("ETag") };
  }
}

/** Every result of a paginated list, following `next`. */
export async function collect(path) {
  const results = [];
  let next = path;
  while (next) {
    const { data } = await call(next);
    results.push(...data.results);
    next = data.next ? new URL(data.next, location.href).pathname + new URL(data.next, location.href).search : null;
  }
  return results;
}
