/**
 * `StorageExceptionFilter`: the storage's errors as HTTP answers, for apps that serve files by
 * name. Without it Nest answers each of them 500, as if the server broke, when a missing file or
 * a name that climbs out of the storage is the client's doing.
 */
import {
  BadGatewayException,
  BadRequestException,
  Catch,
  HttpException,
  Logger,
  NotFoundException,
  Optional,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FileNotFoundError, StorageError, SuspiciousOperation } from '../core/errors.js';

/**
 * Maps `FileNotFoundError` to 404, `SuspiciousOperation` (path traversal, an invalid name) to 400
 * and `StorageError` (the storage refused or could not be reached) to 502. The answer names the
 * file and what went wrong, never the storage's location, a server path or a credential; the
 * whole error of a 502 is logged.
 *
 * @example
 * app.useGlobalFilters(new StorageExceptionFilter());
 * // or, per controller: @UseFilters(StorageExceptionFilter)
 */
@Catch(FileNotFoundError, SuspiciousOperation, StorageError)
export class StorageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('StorageExceptionFilter');

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(error: FileNotFoundError | SuspiciousOperation | StorageError, host: ArgumentsHost): void {
    const exception = this.toHttpException(error);
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse();
    const body = exception.getResponse();
    const status = exception.getStatus();
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter) return void adapter.reply(response, body, status);
    // Constructed with `new`, without the adapter: Fastify's reply has `code`, Express's response `json`.
    if (typeof response.code === 'function') response.code(status).send(body);
    else response.status(status).json(body);
  }

  /** The HTTP exception for a storage error; `cause` keeps the error itself. */
  toHttpException(error: Error): HttpException {
    if (error instanceof FileNotFoundError) {
      return new NotFoundException(`File '${fileNameIn(error.message)}' does not exist`, {
        cause: error,
        description: 'Not Found',
      });
    }
    if (error instanceof SuspiciousOperation) {
      return new BadRequestException(withoutServerPaths(error.message), { cause: error, description: 'Bad Request' });
    }
    this.logger.error(error.message, error.stack);
    const file = /'([^']+)'/.exec(error.message)?.[1];
    const about = file ? ` for '${baseName(file)}'` : '';
    // `description` names the status as NestJS 12 does by default, so 11 answers the same body.
    return new BadGatewayException(`The storage failed${about}: ${failure(error as StorageError)}`, {
      cause: error,
      description: 'Bad Gateway',
    });
  }
}

/** The file a not-found message is about, by its last path segment (not its key or server path). */
function fileNameIn(message: string): string {
  const quoted = /'([^']+)'\s*$/.exec(message)?.[1];
  return baseName(quoted ?? message.slice(message.lastIndexOf(': ') + 2));
}

function baseName(path: string): string {
  return path.split(/[/\\]/).filter(Boolean).pop() ?? path;
}

/** A filesystem backend names absolute paths in its refusals: the client is told the rule, not the layout. */
function withoutServerPaths(message: string): string {
  return message.replace(/\((\/|[A-Za-z]:\\)[^)]*\)/g, '(…)');
}

/** What went wrong in a word: the server's error code and status, or the network error's code. */
function failure(error: StorageError): string {
  const cause = error.cause as { name?: string; code?: string; message?: string } | undefined;
  if (error.statusCode) return `it answered ${cause?.name ?? 'an error'} (HTTP ${error.statusCode})`;
  const code = cause?.code ?? /\b(E[A-Z_]{4,})\b/.exec(cause?.message ?? '')?.[1];
  return `it could not be reached${code ? ` (${code})` : ''}`;
}
