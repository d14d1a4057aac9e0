// Photos from the camera, resized on the phone before they are stored and queued: the longest side
// at most MAX_SIDE pixels, JPEG. Fewer bytes to send from a weak signal; the server keeps its own
// display size (1600 px) anyway.
const MAX_SIDE = 1600;
const QUALITY = 0.85;

export function fitted(width, height, maxSide = MAX_SIDE) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A camera file as a resized JPEG Blob, with its size. */
export async function resized(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const { width, height } = fitted(bitmap.width, bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await new Promise((resolve, reject) => {
    canvas.toBlob((made) => (made ? resolve(made) : reject(new Error("The photo could not be encoded."))),
      "image/jpeg", QUALITY);
  });
  return { blob, width, height };
}
