/**
 * Checks a backend's options the way django-storages' `__init__` does, and more: an unknown key
 * is `Invalid setting 'x' for S3Storage`, and each class-validator rule of the options DTO is
 * reported by setting name. Messages never carry a value, so no secret can leak through them.
 */
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { ImproperlyConfigured } from './errors.js';

export function optionViolations(
  backendName: string,
  dto: new () => object,
  options: object,
  knownSettings: readonly string[],
): string[] {
  const violations: string[] = [];
  for (const key of Object.keys(options)) {
    if (!knownSettings.includes(key)) violations.push(`Invalid setting '${key}' for ${backendName}`);
  }
  const instance = Object.assign(new dto(), options);
  const flatten = (errors: ValidationError[], prefix = ''): void => {
    for (const error of errors) {
      for (const message of Object.values(error.constraints ?? {})) {
        violations.push(`${backendName} setting '${prefix}${error.property}' ${message}`);
      }
      flatten(error.children ?? [], `${prefix}${error.property}.`);
    }
  };
  flatten(validateSync(instance, { forbidUnknownValues: false, validationError: { target: false, value: false } }));
  return violations;
}

export function assertValidOptions(violations: string[]): void {
  if (violations.length) throw new ImproperlyConfigured(violations);
}

/** The settings a DTO declares: every property that carries a class-validator rule. */
export function declaredSettings(dto: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

/** Options without the keys set to `undefined`, so spreading them over defaults keeps the defaults. */
export function definedOptions<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
