/**
 * Django's exceptions, as django-storages raises them. Each keeps its class name as `name`,
 * so a log line or `instanceof` tells them apart, and an S3 failure underneath stays as `cause`.
 */

/** A setting is missing, unknown or invalid. Thrown at start-up, never with a secret in the message. */
export class ImproperlyConfigured extends Error {
  /** `'ImproperlyConfigured'`, the class name, as every error of the package has. */
  override name = 'ImproperlyConfigured';
  /** Each problem found, one line each; the message lists them all. */
  readonly violations: string[];

  /**
   * @param violations one problem, or several reported together
   * @param options.heading what the problems are about, such as 'Invalid storage settings'
   */
  constructor(violations: string | string[], options?: ErrorOptions & { heading?: string }) {
    const list = Array.isArray(violations) ? violations : [violations];
    const heading = options?.heading;
    super(
      list.length === 1
        ? (heading ? `${heading}: ` : '') + list[0]
        : `${heading ?? 'Invalid settings'} (${list.length}):\n  - ${list.join('\n  - ')}`,
      options,
    );
    this.violations = list;
  }
}

/** A name would reach outside the storage (`location`), or is otherwise unsafe to use. */
export class SuspiciousOperation extends Error {
  /** `'SuspiciousOperation'`, the class name, as every error of the package has. */
  override name = 'SuspiciousOperation';
}

/** A file name that cannot be stored: path traversal, or nothing left to call the file. */
export class SuspiciousFileOperation extends SuspiciousOperation {
  /** `'SuspiciousFileOperation'`, the class name, as every error of the package has. */
  override name = 'SuspiciousFileOperation';
}

/** Python's `FileNotFoundError`: the file is not in the storage. */
export class FileNotFoundError extends Error {
  /** `'FileNotFoundError'`, the class name, as every error of the package has. */
  override name = 'FileNotFoundError';
  /** `'ENOENT'`, as Node's own errors for a missing file. */
  readonly code = 'ENOENT';
}

/** The backend cannot do this (`path()` on S3, created and accessed times). */
export class NotImplementedError extends Error {
  /** `'NotImplementedError'`, the class name, as every error of the package has. */
  override name = 'NotImplementedError';
}

/**
 * A storage operation failed for a reason of the medium (network, permissions, the server).
 * The backend's own error (the AWS SDK's, Node's) is kept as `cause`.
 */
export class StorageError extends Error {
  /** `'StorageError'`, the class name, as every error of the package has. */
  override name = 'StorageError';
  /** HTTP status of the failed S3 request, when there was one. */
  readonly statusCode?: number;

  constructor(message: string, options?: ErrorOptions & { statusCode?: number }) {
    super(message, options);
    this.statusCode = options?.statusCode;
  }
}

/**
 * Python's `ValueError`, as Django's staticfiles raise it: a name the manifest has no entry
 * for, a file a stylesheet refers to that is not there, a manifest that cannot be read.
 */
export class ValueError extends Error {
  /** `'ValueError'`, the class name, as every error of the package has. */
  override name = 'ValueError';
}
