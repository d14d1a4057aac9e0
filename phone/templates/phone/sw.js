// The phone app's service worker (served at /app/sw.js, scope /app/). It precaches the app's shell
// and assets so the app starts with no signal; the API's requests go to the network untouched (the
// app keeps its data in IndexedDB and its unsent work in an outbox).
"use strict";
const CACHE = "phone-{{ version }}";
const SHELL = "/app/";
const MANIFEST = "/app/manifest.webmanifest";
const ASSETS = {{ assets|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll([SHELL, MANIFEST, ...ASSETS]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("phone-") && key !== CACHE).map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  let key = null;
  if (url.pathname === SHELL) key = SHELL; // whatever its ?lang
  else if (url.pathname === MANIFEST || ASSETS.includes(url.pathname)) key = url.pathname;
  if (key === null) return; // the API and everything else: the network, as if there were no worker
  event.respondWith(
    caches.open(CACHE).then((cache) => cache.match(key)).then((hit) => hit || fetch(event.request)),
  );
});
