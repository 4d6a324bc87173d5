// A photo taken on the phone, made ready to send: a big one is drawn
// smaller in the phone first (less to send on a slow network). Anything
// that is not a photo, and any trouble, and the original goes as it is.
const SHRINK_BYTES = 900 * 1024;
const SHRINK_SIDE = 1600;

export async function shrinkPhoto(file) {
  if (!/^image\//.test(file.type) || file.size <= SHRINK_BYTES || typeof createImageBitmap !== 'function') return file;
  try {
    const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, SHRINK_SIDE / Math.max(bmp.width, bmp.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bmp.width * scale);
    canvas.height = Math.round(bmp.height * scale);
    canvas.getContext('2d').drawImage(bmp, 0, 0, canvas.width, canvas.height);
    bmp.close?.();
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.85));
    return blob && blob.size < file.size ? blob : file;
  } catch {
    return file;
  }
}
