/**
 * The name an uploaded file is saved under: Django's `FileField.generate_filename` with
 * `upload_to`, over the client's file name made safe as Django's `MultiPartParser` makes it.
 */
import { validateFileName } from '../core/names.js';
import * as posixpath from '../core/posixpath.js';
import type { Storage } from '../core/storage.js';
import type { IncomingFile } from './upload.interfaces.js';

/**
 * Django's `upload_to`: a folder the client's file name is joined to (`strftime` directives
 * such as `%Y/%m/%d` are expanded, as Django does), or a function of the file and the request
 * that returns the whole name.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request of any HTTP adapter
export type UploadTo = string | ((file: IncomingFile, req: any) => string);

/**
 * The name to hand to `save()`: from `uploadTo`, checked for path traversal and made valid by
 * the storage's `generateFilename` (`getAvailableName` then runs inside `save()`).
 */
export function uploadName(storage: Storage, uploadTo: UploadTo | undefined, file: IncomingFile, req: unknown): string {
  let name: string;
  if (typeof uploadTo === 'function') {
    name = uploadTo(file, req);
  } else {
    name = posixpath.join(strftime(uploadTo ?? '', new Date()), clientFileName(file.originalname));
  }
  return storage.generateFilename(validateFileName(String(name), true));
}

/**
 * The last path segment of the name the client sent, as Django's `sanitize_file_name`: some
 * clients send a whole path, with either separator. What is left is made valid later.
 */
function clientFileName(originalname: string | undefined): string {
  return String(originalname ?? '')
    .split(/[/\\]/)
    .pop()!;
}

const DIRECTIVES: Record<string, (date: Date) => string> = {
  Y: (d) => String(d.getFullYear()),
  m: (d) => pad(d.getMonth() + 1),
  d: (d) => pad(d.getDate()),
  H: (d) => pad(d.getHours()),
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  '%': () => '%',
};

/** Python's `strftime` for the directives `upload_to` folders use, in local time as Django's `now()`. */
export function strftime(format: string, date: Date): string {
  return format.replace(/%(.)/g, (directive, letter: string) => DIRECTIVES[letter]?.(date) ?? directive);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
