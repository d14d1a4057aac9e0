// The phone's local data, in IndexedDB (through the idb wrapper): what a visit needs offline, the
// drafts, the photos and the outbox. Logging out deletes the whole database.
import { deleteDB, openDB } from "./vendor/idb-8.0.4.mjs";

const NAME = "mystery-audits";
const STORES = {
  kv: null, // tokens, me, the last sync
  assignments: "id",
  locations: "id",
  checklists: "id",
  versions: "key", // `${checklist}:${number}:${lang}` -> {key, etag, tree}
  drafts: "id", // visits made on this phone, by their phone-made UUID
  photos: "id", // resized photos waiting to be sent (blobs), by their phone-made UUID
  returned: "id", // visits a reviewer returned for correction
};

let opened = null;

export function db() {
  if (opened === null) {
    opened = openDB(NAME, 1, {
      upgrade(database) {
        for (const [store, keyPath] of Object.entries(STORES)) {
          database.createObjectStore(store, keyPath ? { keyPath } : undefined);
        }
        database.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      },
    });
  }
  return opened;
}

export async function get(store, key) {
  return (await db()).get(store, key);
}

export async function put(store, value, key) {
  return (await db()).put(store, value, key);
}

export async function all(store) {
  return (await db()).getAll(store);
}

export async function remove(store, key) {
  return (await db()).delete(store, key);
}

export const setting = (key) => get("kv", key);
export const remember = (key, value) => put("kv", value, key);

/** Everything on the phone goes: tokens, assignments, drafts, photos and the outbox. */
export async function wipe() {
  if (opened !== null) (await opened).close();
  opened = null;
  await deleteDB(NAME);
}
