// The ES module entry re-exports the CommonJS build, so that `import` and `require` of the
// package give the very same classes: one `Storage`, one `StorageModule` per process, whichever
// way an app (or a library it uses) loads the package.
export * from '../dist/cjs/index.js';
