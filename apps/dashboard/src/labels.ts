/**
 * Every Chinese label the dashboard shows for an API code, in one place. The API speaks English
 * codes (DESIGN.md §4, §5, §8); people read these. A unit test checks that every report figure has one.
 */

/** Round kinds (planRound.kind): the names the breakdown figures and the 分析 view use. */
export const ROUND_KIND_LABELS: Readonly<Record<string, string>> = {
  regular: '常规巡察',
  special: '专项巡察',
  mobile: '机动巡察',
  'look-back': '“回头看”',
};

/** Linkage modes (planRound.linkage). */
export const LINKAGE_LABELS: Readonly<Record<string, string>> = {
  none: '非联动',
  linked: '上下联动',
  elevated: '提级巡察',
  cross: '交叉巡察',
};

/** Petition channels (receivePetitions.channel). */
export const CHANNEL_LABELS: Readonly<Record<string, string>> = {
  letter: '来信',
  call: '来电',
  visit: '来访',
  online: '网络举报',
};

/**
 * Issue categories (recordIssue.category). The category is free text of the recording office, so
 * this names the ones the offices use; any other is shown as it was recorded (often Chinese already).
 * The ledgers, the 分析 view and the figure labels all read this map.
 */
export const CATEGORY_LABELS: Readonly<Record<string, string>> = {
  grain: '粮食购销',
  'grain-storage': '粮食储备',
  poverty: '脱贫攻坚与乡村振兴',
  livelihood: '民生保障',
  safety: '安全生产',
  'illegal-mining': '非法采矿',
  'work-style': '作风建设',
  subsidy: '惠民惠农补贴',
  ecology: '生态环境保护',
  education: '教育',
  'education-aid': '教育资助',
  'housing-safety': '住房安全',
  'medical-insurance': '医疗保障',
  'party-building': '党的建设',
  'research-funds': '科研经费',
  'social-assistance': '社会救助',
  soe: '国有企业',
  funds: '资金管理',
  procurement: '招标采购',
  coal: '煤炭资源',
};

/**
 * Ranks of the officials clues concern (transferClue.subjectRank, free text like the category;
 * `unspecified` is the report's name for a clue given none).
 */
export const SUBJECT_RANK_LABELS: Readonly<Record<string, string>> = {
  'centrally-managed': '中管干部',
  'province-managed': '省管干部',
  'city-managed': '市管干部',
  'county-managed': '县管干部',
  township: '乡科级及以下干部',
  unspecified: '未注明',
};

/** Labels of the figures the breakdowns add, made from the names above so each name is written once. */
const BREAKDOWN_FIGURE_LABELS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    Object.entries(ROUND_KIND_LABELS).flatMap(([kind, name]) => [
      [`roundsByKind.${kind}.launched`, `${name}（启动）`],
      [`roundsByKind.${kind}.closed`, `${name}（结束）`],
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(LINKAGE_LABELS).flatMap(([mode, name]) => [
      [`byLinkage.${mode}.rounds`, `${name}·轮次`],
      [`byLinkage.${mode}.clues`, `${name}·移交线索`],
      [`byLinkage.${mode}.cluesPerRound`, `${name}·每轮移交线索`],
      [`byLinkage.${mode}.issues`, `${name}·发现问题`],
      [`byLinkage.${mode}.issuesPerRound`, `${name}·每轮发现问题`],
      [`byLinkage.${mode}.petitions`, `${name}·受理信访`],
      [`byLinkage.${mode}.petitionsPerRound`, `${name}·每轮受理信访`],
      [`byLinkage.${mode}.casesFiled`, `${name}·立案（人）`],
    ]),
  ),
  ...Object.fromEntries(Object.entries(CHANNEL_LABELS).map(([channel, name]) => [`petitionsByChannel.${channel}`, name])),
};

/** Report figures (DESIGN.md §5, §8.2) by dotted path. */
export const FIGURE_LABELS: Readonly<Record<string, string>> = {
  'rounds.launched': '启动轮次',
  'rounds.closed': '结束轮次',
  'teams.formed': '组建巡察组',
  'teams.stationed': '进驻巡察组',
  'units.registered': '登记单位',
  'units.inspected': '已巡察单位',
  'units.coverage': '巡察覆盖率',
  petitions: '受理信访',
  issuesFound: '发现问题',
  immediateRectifications: '立行立改',
  'clues.transferred': '移交问题线索',
  'clues.byRecipient.discipline': '线索移交纪委监委',
  'clues.byRecipient.organization': '线索移交组织部门',
  'clues.byRecipient.propaganda': '线索移交宣传部门',
  'clues.byRecipient.finance': '线索移交财政部门',
  'clues.byRecipient.audit': '线索移交审计部门',
  'clues.byRecipient.judicial': '线索移交司法机关',
  'clues.concluded': '线索办结',
  'dispositions.casesFiled': '立案（人）',
  'dispositions.disciplined': '党纪政务处分（人）',
  'dispositions.organizationalHandling': '组织处理（人）',
  'dispositions.judicialTransfers': '移送司法（人）',
  'rectifications.required': '整改要求',
  'rectifications.planned': '已认领整改',
  'rectifications.completed': '已完成整改',
  'rectifications.rate': '整改完成率',
  'rectifications.closed': '已销号',
  'rectifications.closedRate': '销号率',
  'rectifications.rejections': '核验退回',
  'rectifications.reopened': '回头看重新整改',
  'rectifications.overdue': '整改逾期',
  'rectifications.completedLate': '逾期完成整改',
  'lookBack.reassessed': '回头看复查',
  'lookBack.genuine': '复查整改到位',
  'lookBack.superficial': '复查敷衍整改',
  'lookBack.relapsed': '复查问题反弹',
  'followUps.visits': '回访',
  'followUps.unannounced': '暗访',
  'handovers.made': '移交问题',
  'handovers.answered': '移交已反馈',
  'handovers.overdue': '移交逾期未反馈',
  'handovers.byRecipient.discipline': '移交纪委监委',
  'handovers.byRecipient.organization': '移交组织部门',
  'handovers.byRecipient.propaganda': '移交宣传部门',
  'handovers.byRecipient.finance': '移交财政部门',
  'handovers.byRecipient.audit': '移交审计部门',
  'handovers.byRecipient.judicial': '移交司法机关',
  'supervision.issues': '督办问题',
  'supervision.typical': '典型问题',
  'accountability.talks': '约谈（人）',
  'accountability.inquiries': '函询（人）',
  'accountability.admonishments': '诫勉（人）',
  'accountability.accountabilities': '问责（人）',
  'escalations.submitted': '上报发现',
  'escalations.adopted': '采纳下级发现',
  specialReports: '专题报告',
  'authority.granted': '授权',
  'authority.revoked': '撤销授权',
  'authority.reportsReceived': '双报告（收到）',
  'tasks.assigned': '下达任务',
  'tasks.accepted': '已接收任务',
  'tasks.completed': '已办结任务',
  'tasks.overdue': '逾期任务',
  'tasks.completedLate': '逾期办结任务',
  'pool.enrolled': '入库巡察人员',
  'pool.withdrawn': '出库巡察人员',
  'pool.bySpecialty.discipline': '在库（纪检监察）',
  'pool.bySpecialty.organisation': '在库（组织人事）',
  'pool.bySpecialty.finance': '在库（财务）',
  'pool.bySpecialty.audit': '在库（审计）',
  'pool.bySpecialty.party-affairs': '在库（党务）',
  'pool.bySpecialty.other': '在库（其他）',
  'pool.deployments': '从库抽调人次',
  'pool.teamsShortOfCore': '未满足3+N的巡察组',
  'pool.evaluations.recommended': '评价推荐使用',
  'pool.evaluations.reminded': '评价提醒',
  'pool.evaluations.removed': '评价调整出库',
  'feedback.delivered': '反馈意见送达',
  ...BREAKDOWN_FIGURE_LABELS,
};

/** Figures that are ratios (0..1), shown as percentages. */
export const RATIO_FIGURES: ReadonlySet<string> = new Set(['units.coverage', 'rectifications.rate', 'rectifications.closedRate']);

/** The headline cards of the overview and the wall, in reading order. */
export const HEADLINE_FIGURES = [
  'rounds.launched',
  'teams.formed',
  'units.inspected',
  'units.coverage',
  'petitions',
  'issuesFound',
  'clues.transferred',
  'dispositions.casesFiled',
  'dispositions.disciplined',
  'rectifications.required',
  'rectifications.rate',
  'rectifications.closed',
  'rectifications.overdue',
  'handovers.made',
  'tasks.assigned',
  'tasks.overdue',
] as const;

/** Figures one may colour the map or draw the children's bars by. */
export const CHART_FIGURES = [
  'issuesFound',
  'clues.transferred',
  'dispositions.casesFiled',
  'dispositions.disciplined',
  'rectifications.required',
  'rectifications.completed',
  'rectifications.rate',
  'rectifications.overdue',
  'units.inspected',
  'units.coverage',
  'petitions',
  'handovers.made',
  'tasks.assigned',
  'tasks.overdue',
] as const;

export const figureLabel = (path: string): string => {
  const known = FIGURE_LABELS[path];
  if (known !== undefined) return known;
  if (path.startsWith('issuesByCategory.')) return `问题类别：${label(CATEGORY_LABELS, path.slice('issuesByCategory.'.length))}`;
  if (path.startsWith('cluesBySubjectRank.')) return `线索对象：${label(SUBJECT_RANK_LABELS, path.slice('cluesBySubjectRank.'.length))}`;
  return path;
};

export const LEVEL_LABELS: Readonly<Record<string, string>> = { province: '省级', city: '市级', county: '县级' };

export const ROLE_LABELS: Readonly<Record<string, string>> = {
  admin: '系统管理员',
  'leading-group': '巡视巡察工作领导小组',
  team: '巡视巡察组',
  unit: '被巡察单位',
  handler: '承办部门',
  auditor: '审计人员',
  viewer: '查阅人员',
};

export const TASK_STATUS_LABELS: Readonly<Record<string, string>> = {
  assigned: '已下达',
  accepted: '已接收',
  'in-progress': '办理中',
  completed: '已办结',
};

export const TASK_KIND_LABELS: Readonly<Record<string, string>> = {
  'linked-inspection': '联动巡察',
  'follow-up': '跟踪督办',
  'clue-handling': '线索处置',
  'rectification-supervision': '整改监督',
  'look-back': '回头看',
  report: '报送材料',
};

export const TASK_HISTORY_LABELS: Readonly<Record<string, string>> = {
  TaskAssigned: '下达任务',
  TaskAccepted: '接收任务',
  TaskProgressReported: '报告进展',
  TaskCompleted: '办结任务',
};

/** Clue and handover recipients (DESIGN.md §4 transferClue, §8.1 handOverIssue). */
export const RECIPIENT_LABELS: Readonly<Record<string, string>> = {
  discipline: '纪委监委',
  organization: '组织部门',
  propaganda: '宣传部门',
  finance: '财政部门',
  audit: '审计部门',
  judicial: '司法机关',
};

export const RECTIFICATION_STATUS_LABELS: Readonly<Record<string, string>> = {
  required: '待认领',
  planned: '整改中',
  completed: '待核验',
  closed: '已销号',
  reopened: '重新整改',
};

export const HANDOVER_STATUS_LABELS: Readonly<Record<string, string>> = {
  open: '待反馈',
  answered: '已反馈',
};

export const REASSESSMENT_LABELS: Readonly<Record<string, string>> = {
  genuine: '整改到位',
  superficial: '敷衍整改',
  relapsed: '问题反弹',
};

export const LEDGER_KIND_LABELS: Readonly<Record<string, string>> = {
  issues: '问题清单',
  rectifications: '整改台账',
  handovers: '移交清单',
};

export const LINEAGE_KIND_LABELS: Readonly<Record<string, string>> = {
  task: '任务',
  round: '巡视巡察轮次',
  team: '巡察组',
  issue: '问题',
  clue: '问题线索',
  rectification: '整改',
  'special-report': '专题报告',
};

/** Event types as an auditor's timeline names them. */
export const EVENT_LABELS: Readonly<Record<string, string>> = {
  JurisdictionRegistered: '登记行政区划',
  UnitRegistered: '登记单位',
  RoundPlanned: '制定巡察计划',
  RoundLaunched: '启动巡察（动员部署）',
  TeamFormed: '组建巡察组',
  TeamStationed: '巡察组进驻',
  PetitionsReceived: '受理信访',
  IssueFound: '发现问题',
  ClueTransferred: '移交问题线索',
  ClueDisposed: '线索处置',
  ClueConcluded: '线索办结',
  FeedbackDelivered: '反馈巡察意见',
  RectificationRequired: '提出整改要求',
  RectificationPlanned: '签字认领整改',
  RectificationCompleted: '报告整改完成',
  RectificationVerified: '整改核验',
  RectificationReassessed: '回头看复查',
  FollowUpVisitRecorded: '回访暗访',
  IssueHandedOver: '移交问题',
  HandoverAnswered: '办理反馈',
  IssueSupervised: '督办问题',
  AccountabilityRecorded: '约谈函询诫勉问责',
  FindingEscalated: '上报发现',
  FindingAdopted: '采纳发现',
  TaskAssigned: '下达任务',
  TaskAccepted: '接收任务',
  TaskProgressReported: '报告任务进展',
  TaskCompleted: '办结任务',
  SpecialReportSubmitted: '报送专题报告',
  RoundClosed: '结束巡察',
  ChainHeadSigned: '签署链头',
  PoolConfigured: '设置巡察人员库',
  InspectorEnrolled: '巡察人员入库',
  InspectorUpdated: '更新巡察人员信息',
  InspectorWithdrawn: '巡察人员出库',
  InspectorEvaluated: '评价巡察人员',
  AuthorisationGranted: '授权巡视巡察',
  AuthorisationRevoked: '撤销授权',
};

export const VERIFY_LABELS = { ok: '通过', broken: '未通过' } as const;

/** Looks a code up in a dictionary; an unknown code is shown as it is rather than hidden. */
export const label = (dictionary: Readonly<Record<string, string>>, code: string | null | undefined): string =>
  code === null || code === undefined ? '—' : (dictionary[code] ?? code);
