/**
 * `ApiStorageFile` and `ApiStorageFiles`: the OpenAPI description of an upload route, for
 * `@nestjs/swagger`. They write the two pieces of route metadata swagger's explorer reads, what its
 * own `@ApiConsumes()` and `@ApiBody()` write, so swagger (an optional peer) is never imported:
 * an app without it loses nothing, and the decorators work the same from ESM and CommonJS.
 */

/** swagger's metadata keys (`DECORATORS.API_CONSUMES`, `DECORATORS.API_PARAMETERS`). */
const API_CONSUMES = 'swagger/apiConsumes';
const API_PARAMETERS = 'swagger/apiParameters';

/**
 * Documents the route as taking `multipart/form-data` with one file in form field `field`, as
 * `StorageFileInterceptor(field)` reads it.
 *
 * @example
 * \@Post('avatar')
 * \@ApiStorageFile('file')
 * \@UseInterceptors(StorageFileInterceptor('file', { allowedTypes: ['image/*'] }))
 * upload(@UploadedFile() file: StoredFile) {}
 */
export function ApiStorageFile(field = 'file'): MethodDecorator {
  return multipartBody({ [field]: { type: 'string', format: 'binary' } }, field);
}

/**
 * Documents the route as taking `multipart/form-data` with up to `maxCount` files in form field
 * `field`, as `StorageFilesInterceptor(field, maxCount)` reads them.
 */
export function ApiStorageFiles(field: string, maxCount?: number): MethodDecorator {
  const files = {
    type: 'array',
    items: { type: 'string', format: 'binary' },
    ...(maxCount ? { maxItems: maxCount } : {}),
  };
  return multipartBody({ [field]: files }, field);
}

function multipartBody(properties: Record<string, object>, required: string): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const consumes: string[] = Reflect.getMetadata(API_CONSUMES, method) ?? [];
    Reflect.defineMetadata(API_CONSUMES, [...consumes, 'multipart/form-data'], method);
    // The body parameter as `@ApiBody({ schema, required: true })` records it.
    const parameters: object[] = Reflect.getMetadata(API_PARAMETERS, method) ?? [];
    const body = {
      in: 'body',
      type: String,
      required: true,
      schema: { type: 'object', properties, required: [required] },
    };
    Reflect.defineMetadata(API_PARAMETERS, [...parameters, body], method);
    return descriptor;
  };
}
