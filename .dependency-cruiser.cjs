/**
 * The import rules of shared/DESIGN.md, checked in CI by `npm test` (see scripts/test.sh).
 * Each rule names the layer it protects; a violation fails the test command.
 */
module.exports = {
  forbidden: [
    {
      name: 'lib-imports-nothing',
      comment: 'lib/ holds generic helpers and imports nothing of the project.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'core-imports-only-lib',
      comment: 'core/ is domain types, errors and ports; it imports only lib/.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/(core|lib)/' },
    },
    {
      name: 'protocol-imports-only-lib',
      comment: 'channels/<x>/protocol/ can be read, tested and fuzzed alone.',
      severity: 'error',
      from: { path: '^src/channels/([^/]+)/protocol/' },
      to: { path: '^src/', pathNot: ['^src/lib/', '^src/channels/$1/protocol/'] },
    },
    {
      name: 'channel-not-other-channel',
      comment: 'A channel never imports another channel.',
      severity: 'error',
      from: { path: '^src/channels/([^/]+)/' },
      to: { path: '^src/channels/', pathNot: '^src/channels/$1/' },
    },
    {
      name: 'channel-not-store-or-web',
      comment:
        'Channels reach persistence through core ports, never store internals, and never the web app.',
      severity: 'error',
      from: { path: '^src/channels/' },
      to: { path: ['^src/store/', '^src/cluster/', '^web/'] },
    },
    {
      name: 'only-app-names-concretes',
      comment:
        'Only app/ wires concrete implementations (store, bus); the rest depends on core ports.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app|store|cluster)/' },
      to: { path: '^src/(store|cluster)/' },
    },
    {
      name: 'nothing-imports-app-or-cli',
      comment: 'app/ is the composition root and cli/ the command; nothing below depends on them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app|cli)/' },
      to: { path: '^src/(app|cli)/' },
    },
    {
      name: 'queue-never-names-a-channel',
      comment: 'The router resolves, the queue schedules, resources deliver.',
      severity: 'error',
      from: { path: '^src/(queue|router)/' },
      to: { path: '^src/channels/' },
    },
    {
      name: 'src-not-tests-or-bench',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.(test|contract)\\.ts$' },
      to: { path: ['^test/', '^bench/', '\\.(test|contract)\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
