/**
 * `allowedTypes`: what an upload is, read from its first bytes (magic numbers, with `file-type`),
 * never from the client's word. Only the head of the part is held, as long as detection needs
 * it, and nothing is stored before the type is known to be allowed.
 */
import type { Readable } from 'node:stream';
import { UnsupportedMediaTypeException } from '@nestjs/common';

/**
 * How many leading bytes detection reads: `file-type`'s own "reasonable detection size", within
 * which it recognises almost every format it knows.
 */
export const DETECTION_BYTES = 4100;

/** Types that have no magic number: accepted on the declared type when the head is not binary. */
const SIGNATURELESS = [
  /^text\//,
  /^application\/(json|xml)$/,
  /^application\/[\w.+-]+\+(json|xml)$/,
  /^image\/svg\+xml$/,
];

/** What the head of a part is, as far as its bytes tell. */
export interface TypeCheck {
  /** The head read, to be sent on before the rest of the part. */
  head: Buffer;
  /** The type the bytes carry a signature of; undefined when they carry none. */
  detectedType?: string;
  /** The content type to store: the detected type, else the declared one. */
  contentType?: string;
}

/**
 * Reads up to `DETECTION_BYTES` of `source` (less if it ends first) and leaves it paused. Settles
 * with what was read; rejects if the stream fails or closes early.
 */
export function readHead(source: Readable, bytes = DETECTION_BYTES): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (err?: unknown) => {
      source.off('data', onData).off('end', onEnd).off('error', done).off('close', onClose);
      source.pause();
      if (err) reject(err as Error);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) done();
    };
    const onEnd = () => done();
    const onClose = () => done(new Error('The upload stream closed before its content type could be read'));
    source.on('data', onData).once('end', onEnd).once('error', done).once('close', onClose);
  });
}

/**
 * Checks a part's head against `allowedTypes` (`'image/png'`, `'image/*'`). A head with a binary
 * signature is what the signature says, whatever was declared; one without is accepted on its
 * declared type only when that is a type without a magic number (`text/*`, JSON, XML, SVG) and
 * the head holds no NUL byte. Anything else is a 415 naming the file and what it was found to be.
 */
export async function checkType(
  head: Buffer,
  declared: string | undefined,
  allowedTypes: readonly string[],
  originalname: string,
): Promise<TypeCheck> {
  const { fileTypeFromBuffer } = await import('file-type');
  const found = (await fileTypeFromBuffer(head))?.mime;
  const binary = found !== undefined && !isSignatureless(found);
  if (binary) {
    if (matchesAny(found, allowedTypes)) return { head, detectedType: found, contentType: found };
    throw refusal(originalname, `is ${found}`, allowedTypes);
  }
  const type = declared?.split(';')[0].trim().toLowerCase();
  if (type && isSignatureless(type) && !head.includes(0) && matchesAny(type, allowedTypes)) {
    return { head, detectedType: found, contentType: declared };
  }
  const what = head.length === 0 ? 'is empty' : type ? `is not ${type}` : 'has no recognisable type';
  throw refusal(originalname, what, allowedTypes);
}

/** Whether `type` matches one of `patterns`: a whole type, or `major/*`. */
export function matchesAny(type: string, patterns: readonly string[]): boolean {
  const [major] = type.split('/');
  return patterns.some((pattern) => {
    const wanted = pattern.trim().toLowerCase();
    return wanted === type || wanted === '*/*' || wanted === `${major}/*`;
  });
}

function isSignatureless(type: string): boolean {
  return SIGNATURELESS.some((pattern) => pattern.test(type));
}

function refusal(originalname: string, what: string, allowedTypes: readonly string[]): UnsupportedMediaTypeException {
  return new UnsupportedMediaTypeException(`File '${originalname}' ${what}; allowed types: ${allowedTypes.join(', ')}`);
}
