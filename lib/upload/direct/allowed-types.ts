/**
 * `allowedTypes` of the direct-upload routes: the type a client declares is checked when the
 * upload starts, and the type of the content (its magic numbers) once the bytes are in S3.
 */

/** Bytes from the start of a file that are enough to tell its type by its magic numbers. */
export const SNIFF_BYTES = 4100;

/**
 * Types that have no magic number: their content can only be taken on the declared type, and
 * only when its first bytes carry no binary signature.
 */
const UNSIGNED_TYPES = [/^text\//, /^application\/(json|xml|javascript|ld\+json)$/, /^image\/svg\+xml$/];

/** Whether `type` (`image/png`) is one of `allowed` (`image/png`, `image/*`). */
export function typeAllowed(type: string | undefined, allowed: readonly string[]): boolean {
  if (!type) return false;
  const essence = type.split(';')[0].trim().toLowerCase();
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.endsWith('/*') ? essence.startsWith(p.slice(0, -1)) : essence === p;
  });
}

/**
 * The type the content's first bytes show, if it is allowed: the detected type when the bytes
 * carry a signature, else the declared type when it is allowed and has no magic number.
 * `undefined` means the content is refused.
 */
export async function contentTypeAllowed(
  head: Uint8Array,
  declared: string | undefined,
  allowed: readonly string[],
): Promise<string | undefined> {
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = (await fileTypeFromBuffer(head))?.mime;
  if (detected) return typeAllowed(detected, allowed) ? detected : undefined;
  const essence = declared?.split(';')[0].trim().toLowerCase();
  if (essence && UNSIGNED_TYPES.some((pattern) => pattern.test(essence)) && typeAllowed(essence, allowed)) {
    return essence;
  }
  return undefined;
}
