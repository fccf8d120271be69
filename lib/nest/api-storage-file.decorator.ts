/**
 * `ApiStorageFile` and `ApiStorageFiles`: the OpenAPI description of an upload route, for
 * `@nestjs/swagger`. swagger is an optional peer: it is loaded when one of these decorators is
 * first applied (decorators run synchronously, so through `require`), never by importing the package.
 */
import { createRequire } from 'node:module';

type Swagger = {
  ApiConsumes(...mimeTypes: string[]): MethodDecorator;
  ApiBody(options: { schema: object; required?: boolean }): MethodDecorator;
};

let swagger: Swagger | undefined;

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
  const { ApiBody, ApiConsumes } = loadSwagger();
  const consumes = ApiConsumes('multipart/form-data');
  const body = ApiBody({ required: true, schema: { type: 'object', properties, required: [required] } });
  return (target, key, descriptor) => {
    consumes(target, key, descriptor);
    body(target, key, descriptor);
  };
}

function loadSwagger(): Swagger {
  if (swagger) return swagger;
  try {
    return (swagger = createRequire(import.meta.url)('@nestjs/swagger') as Swagger);
  } catch (err) {
    if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error('ApiStorageFile and ApiStorageFiles need @nestjs/swagger to be installed', { cause: err });
  }
}
