/** Architecture boundaries (DESIGN.md §7), checked by `npm run lint:boundaries` as part of `npm test`. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain is plain TypeScript: no Nest, no adapters, no I/O.',
      severity: 'error',
      from: { path: '^libs/domain/', pathNot: '\\.spec\\.ts$' },
      to: {
        pathNot: ['^libs/domain/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-imports-no-io',
      severity: 'error',
      from: { path: '^libs/domain/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(node:)?(fs|net|http|child_process|crypto)$|@nestjs|better-sqlite3|kafkajs|@eventstore' },
    },
    {
      name: 'contexts-through-their-index',
      comment:
        'A lib is entered only through its index.ts (its #alias), and event-store and bus also through adapters.ts (#event-store/adapters, #bus/adapters); reaching into another lib is refused, from libs and apps alike.',
      severity: 'error',
      from: { path: '^(libs|apps)/([^/]+)/' },
      to: { path: '^libs/([^/]+)/.+', pathNot: ['^$1/$2/', '^libs/[^/]+/index\\.ts$', '^libs/(event-store|bus)/adapters\\.ts$'] },
    },
    {
      name: 'event-store-knows-no-context',
      comment:
        'The store keeps and reads events and seals; what a seal means (libs/audit), what is projected from the events (libs/projections) or anything else of another lib is none of its business.',
      severity: 'error',
      from: { path: '^libs/event-store/' },
      to: { path: '^libs/', pathNot: '^libs/event-store/' },
    },
    {
      name: 'projections-see-the-store-port-only',
      comment: 'Projections read any store through the port and its capabilities (libs/event-store/index.ts), never an adapter.',
      severity: 'error',
      from: { path: '^libs/projections/' },
      to: { path: '^libs/event-store/', pathNot: '^libs/event-store/index\\.ts$' },
    },
    {
      name: 'http-sees-no-adapters',
      comment: 'The HTTP edge works on the runtime it is given: it opens no store and no bus, so it imports no adapter of either.',
      severity: 'error',
      from: { path: '^libs/http/' },
      to: { path: '^libs/(event-store|bus)/', pathNot: '^libs/(event-store|bus)/index\\.ts$' },
    },
    {
      name: 'background-loop-is-generic',
      comment:
        'libs/background serves the relay, the projections and the signer alike, so it imports no lib but the process log: none of them may come to depend on another through it.',
      severity: 'error',
      from: { path: '^libs/background/' },
      to: { path: '^libs/', pathNot: '^libs/(background|observability)/' },
    },
    {
      name: 'observability-is-a-leaf',
      comment: 'Every context logs and counts through libs/observability, so it imports none of them (no cycle, no context reaching another through it).',
      severity: 'error',
      from: { path: '^libs/observability/' },
      to: { path: '^libs/', pathNot: '^libs/observability/' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'production-never-imports-tests',
      comment: 'Test doubles and harnesses live under test/ and never reach production code.',
      severity: 'error',
      from: { path: '^(libs|apps)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^test/' },
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
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
