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
      name: 'relay-and-inbox-never-reach-the-service',
      comment:
        'The relay and the inbox are handed the narrow ports they use (level, store, jurisdiction directory, bus, checkpoints), not the level service: they work on the store, not on the command path.',
      severity: 'error',
      from: { path: '^libs/linkage/(relay|inbox)\\.ts$' },
      to: { path: '^libs/linkage/level-service\\.ts$' },
    },
    {
      name: 'audit-never-reaches-the-linkage',
      comment:
        "The audit context (libs/audit: chain, signing, verification, export, and a served level's signer, history, lineage and snapshots) is handed the level, its store, its jurisdictions and a wake-up after each append (AuditedLevel), never the level service nor anything else of the linkage, which starts it: it signs and reads, it decides no command. libs/http reaches the linkage through its index only (contexts-through-their-index) and reads stores and jurisdictions off the node; it keeps the service for executing commands and timing appends.",
      severity: 'error',
      from: { path: '^libs/audit/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^libs/linkage/' },
    },
    {
      name: 'one-writer-of-the-jurisdiction-registry',
      comment:
        "A level's jurisdiction registry has one writer, libs/linkage/jurisdiction-registrar.ts, fed from the level's store; the runtime creates it and hands everyone else its read-only directory. No other module of the linkage reaches the registrar.",
      severity: 'error',
      from: { path: '^libs/linkage/', pathNot: ['^libs/linkage/(runtime|index|jurisdiction-registrar)\\.ts$', '\\.spec\\.ts$'] },
      to: { path: '^libs/linkage/jurisdiction-registrar\\.ts$' },
    },
    {
      name: 'registries-are-made-by-the-registrar',
      comment:
        "Only the registrar turns the reference data into a level's writable registry. runtime.ts is let through because it hands the audit (libs/audit) a maker of fresh reference registries, one for each as-of replay (never the level's); index.ts exports the loader to the scenario tools and tests.",
      severity: 'error',
      from: { path: '^libs/linkage/', pathNot: ['^libs/linkage/(jurisdiction-registrar|index|runtime|reference-registry)\\.ts$', '\\.spec\\.ts$'] },
      to: { path: '^libs/linkage/reference-registry\\.ts$' },
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
      name: 'dashboard-speaks-http-only',
      comment:
        'apps/dashboard is browser code: it reaches the system over HTTP (the API contract), never by importing a lib, another app or a test (their code is Node code, and the boundary is the API).',
      severity: 'error',
      from: { path: '^apps/dashboard/' },
      to: { path: '^(libs|test)/|^apps/(?!dashboard/)' },
    },
    {
      name: 'nothing-imports-the-dashboard',
      comment: 'The servers serve the built bundle as files; only the dashboard tests read its label dictionary.',
      severity: 'error',
      from: { path: '^(libs|apps)/', pathNot: '^apps/dashboard/' },
      to: { path: '^apps/dashboard/' },
    },
    {
      name: 'tests-never-import-benchmarks',
      comment: 'A history a test needs is generated by a library (#scenario), not borrowed from the benchmarks, which change for their own reasons.',
      severity: 'error',
      from: { path: '(^test/|\\.spec\\.ts$)' },
      to: { path: '^apps/cli/bench/' },
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
