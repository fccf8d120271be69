import { Inject } from '@nestjs/common';
import { DEFAULT_STORAGE_NAME, getStorageToken } from './storage.tokens.js';

/**
 * Injects a named storage (Django's `storages['name']`).
 *
 * @example
 * constructor(@InjectStorage() private readonly media: Storage,
 *             @InjectStorage('staticfiles') private readonly assets: Storage) {}
 */
export const InjectStorage = (name: string = DEFAULT_STORAGE_NAME): ReturnType<typeof Inject> =>
  Inject(getStorageToken(name));
