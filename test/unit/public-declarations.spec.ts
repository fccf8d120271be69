/**
 * The published declarations show the public API and nothing else: the package's entry points
 * export exactly the names below, and every public member of an exported class carries TSDoc
 * (its own or the one it overrides). Internals are `private`, kept off the classes, or marked
 * `@internal`, which the build strips (`stripInternal`).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..', '..');

/** The names each entry point exports. Adding one is a decision about the public API: update this list. */
const PUBLIC_EXPORTS: Record<string, string[]> = {
  'index.d.ts': [
    'StoragePingCheckOptions',
    'StorageHealthResult',
    'StorageHealthIndicator',
    'StorageExceptionFilter',
    'ApiStorageFiles',
    'ApiStorageFile',
    'UploadedPart',
    'StorageUploadModuleOptions',
    'StorageUploadModule',
    'SignUploadPartOptions',
    'CreateMultipartUploadOptions',
    'AbortIncompleteUploadsOptions',
    'StoredForm',
    'StorageStat',
    'StorageEntry',
    'ScanOptions',
    'DeleteManyInput',
    'CloudFrontSigner',
    'CollectStaticOptions',
    'CollectStaticProgress',
    'CollectStaticResult',
    'ConfigLookup',
    'ContentFile',
    'DEFAULT_IGNORE_PATTERNS',
    'DEFAULT_STORAGE_NAME',
    'FileData',
    'FileFilter',
    'FileMode',
    'FileNotFoundError',
    'FileSystemStorage',
    'FileSystemStorageOptions',
    'ImproperlyConfigured',
    'InMemoryStorage',
    'InMemoryStorageOptions',
    'IncomingFile',
    'InjectStorage',
    'MulterStorageEngine',
    'MulterStorageOptions',
    'NameTakenError',
    'NotImplementedError',
    'ReadRange',
    'S3File',
    'S3ManifestStaticStorage',
    'S3ManifestStaticStorageOptions',
    'S3Settings',
    'S3StaticStorage',
    'S3Storage',
    'S3StorageOptions',
    'STORAGE_MODULE_OPTIONS',
    'SaveBody',
    'SaveOptions',
    'SavedFile',
    'StaticManifest',
    'StaticManifestOptions',
    'Storage',
    'StorageBackend',
    'StorageContent',
    'StorageDefinition',
    'StorageError',
    'StorageFile',
    'StorageFileInterceptor',
    'StorageFilesInterceptor',
    'StorageManager',
    'StorageModule',
    'StorageModuleAsyncOptions',
    'StorageModuleOptions',
    'StorageOptionsFactory',
    'StorageUploadOptions',
    'StoredFile',
    'StoredFileInfo',
    'SuspiciousFileOperation',
    'SuspiciousOperation',
    'TransferConfig',
    'UploadLimits',
    'UploadTo',
    'UploadUrl',
    'UploadUrlOptions',
    'UrlOptions',
    'ValueError',
    'cleanName',
    'collectStatic',
    'filepathToUri',
    'getStorageToken',
    'getValidFilename',
    'multerStorage',
    's3OptionsFromConfig',
    'safeJoin',
    'validateFileName',
  ],
  'testing.d.ts': ['describeStorageContract', 'StorageContractExceptions', 'StorageContractOptions'],
};

/**
 * The declarations `npm run build` emits for lib/ (tsconfig.build.json), written under
 * node_modules/.cache so that they resolve the project's dependencies as dist/ does.
 */
function emitDeclarations(outDir: string): void {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  )!;
  const options = { ...config.options, emitDeclarationOnly: true, noEmit: false, sourceMap: false };
  const program = ts.createProgram(config.fileNames, options);
  rmSync(outDir, { recursive: true, force: true });
  const result = program.emit(undefined, (fileName, text) => {
    if (!fileName.endsWith('.d.ts')) return;
    const target = join(outDir, relative(options.outDir!, fileName));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  });
  // Type errors are `npm run typecheck`'s; declaration emit's own errors fail here.
  const errors = result.diagnostics;
  if (errors.length) throw new Error(ts.formatDiagnostics(errors, ts.createCompilerHost(options)));
}

let program: ts.Program;
let outDir: string;

beforeAll(() => {
  outDir = join(root, 'node_modules', '.cache', 'public-declarations');
  emitDeclarations(outDir);
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
  };
  program = ts.createProgram(
    Object.keys(PUBLIC_EXPORTS).map((entry) => join(outDir, entry)),
    options,
  );
}, 120_000);

describe.each(Object.keys(PUBLIC_EXPORTS))('the published %s', (entry) => {
  const exportsOf = () => {
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(join(outDir, entry))!;
    return checker.getExportsOfModule(checker.getSymbolAtLocation(source)!);
  };

  it('type-checks on its own, internals stripped', () => {
    // Each emitted declaration file, checked against the dependencies' types (not those checked in full).
    const ours = program.getSourceFiles().filter((file) => file.fileName.startsWith(outDir));
    const diagnostics = ours.flatMap((file) => [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ]);
    expect(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({}))).toBe('');
  });

  it('exports exactly the allowed names', () => {
    expect(
      exportsOf()
        .map((symbol) => symbol.name)
        .sort(),
    ).toEqual([...PUBLIC_EXPORTS[entry]].sort());
  });

  it('documents every public member of every exported class', () => {
    const checker = program.getTypeChecker();
    const undocumented: string[] = [];
    for (let symbol of exportsOf()) {
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const declaration = symbol.declarations?.find(ts.isClassDeclaration);
      if (!declaration) continue;
      for (const member of declaration.members) {
        if (ts.isConstructorDeclaration(member) || ts.isClassStaticBlockDeclaration(member) || !member.name) continue;
        const modifiers = ts.getCombinedModifierFlags(member);
        if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        if (ts.isPrivateIdentifier(member.name)) continue;
        const memberSymbol = checker.getSymbolAtLocation(member.name);
        if (!memberSymbol?.getDocumentationComment(checker).length) {
          undocumented.push(`${symbol.name}.${member.name.getText()}`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});
