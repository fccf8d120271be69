// `nestjs-storages/testing` as an ES module: a re-export of the CommonJS build, as esm/index.js.
export * from '../dist/cjs/testing.js';
