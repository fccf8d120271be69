/**
 * The class-validator rules of S3StorageOptions that class-validator does not have. Each message
 * says what is expected and never carries the value, which may be a secret.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ValidateBy } from 'class-validator';
import { MAX_COPY_SIZE } from './s3-copy.js';

/** An object whose keys are all in `allowed`; the message names the others (`what`: 'parameter'). */
export function KeysIn(allowed: readonly string[], what: string): PropertyDecorator {
  return ValidateBy({
    name: 'keysIn',
    validator: {
      validate: (value) =>
        typeof value === 'object' && value !== null && Object.keys(value).every((key) => allowed.includes(key)),
      defaultMessage: (args) => {
        const unknown = Object.keys((args?.value as object) ?? {}).filter((key) => !allowed.includes(key));
        return `has unknown ${what} ${unknown.map((k) => `'${k}'`).join(', ')} (allowed: ${allowed.join(', ')})`;
      },
    },
  });
}

/** `transferConfig`: only the `keys` given, integers, parts of at least `minPartSize` bytes. */
export function IsTransferConfig(keys: readonly string[], minPartSize: number): PropertyDecorator {
  return ValidateBy({
    name: 'isTransferConfig',
    validator: {
      validate: (value: Record<string, unknown>) => {
        if (typeof value !== 'object' || value === null) return false;
        if (!Object.keys(value).every((key) => keys.includes(key))) return false;
        const { partSize, queueSize, multipartThreshold, copyThreshold, memoryBudget } = value;
        const int = (n: unknown, min: number, max = Infinity) =>
          n === undefined || (Number.isInteger(n) && (n as number) >= min && (n as number) <= max);
        return (
          int(partSize, minPartSize) &&
          int(queueSize, 1) &&
          int(multipartThreshold, 0) &&
          int(copyThreshold, 0, MAX_COPY_SIZE) &&
          int(memoryBudget, minPartSize)
        );
      },
      defaultMessage: () =>
        'must be an object of partSize (integer, at least 5 MiB), queueSize (integer, at least 1), multipartThreshold (integer bytes), copyThreshold (integer bytes, at most 5 GiB) and memoryBudget (integer bytes, at least one part)',
    },
  });
}

/** A PEM as text or bytes. */
export function IsStringOrBuffer(): PropertyDecorator {
  return ValidateBy({
    name: 'isStringOrBuffer',
    validator: {
      validate: (value) => typeof value === 'string' || Buffer.isBuffer(value),
      defaultMessage: () => 'must be a PEM private key, as a string or a Buffer',
    },
  });
}

/** null, or an object with `generatePresignedUrl(url, dateLessThan)`. */
export function IsCloudFrontSigner(): PropertyDecorator {
  return ValidateBy({
    name: 'isCloudFrontSigner',
    validator: {
      validate: (value) =>
        value === null || typeof (value as { generatePresignedUrl?: unknown })?.generatePresignedUrl === 'function',
      defaultMessage: () => 'must be null (no signing) or an object with generatePresignedUrl(url, dateLessThan)',
    },
  });
}

/** An object with `send()`, as an `S3Client` has. */
export function IsS3Client(): PropertyDecorator {
  return ValidateBy({
    name: 'isS3Client',
    validator: {
      validate: (value) => typeof (value as S3Client)?.send === 'function',
      defaultMessage: () => 'must be an S3Client',
    },
  });
}

/** An http:// or https:// URL. */
export function IsHttpUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isHttpUrl',
    validator: {
      validate: (value) => {
        if (typeof value !== 'string') return false;
        try {
          return ['http:', 'https:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      defaultMessage: () => "must be an http:// or https:// URL, such as 'http://127.0.0.1:9000'",
    },
  });
}

/** An object whose values are strings. */
export function IsStringMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isStringMap',
    validator: {
      validate: (value) =>
        typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string'),
      defaultMessage: () => "must be an object of strings, such as { https: 'proxy.example.com:3128' }",
    },
  });
}

/** A boolean, or a non-empty path. */
export function IsFalseOrPath(): PropertyDecorator {
  return ValidateBy({
    name: 'isFalseOrPath',
    validator: {
      validate: (value) => typeof value === 'boolean' || (typeof value === 'string' && value.length > 0),
      defaultMessage: () => 'must be false (no TLS verification) or the path of a CA bundle',
    },
  });
}
