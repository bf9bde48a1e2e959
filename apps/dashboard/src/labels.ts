/**
 * Every Chinese label the dashboard shows for an API code, in one place. The API speaks English
 * codes (DESIGN.md §4, §5, §8); people read these. A unit test checks that every report figure has one.
 */

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
  'petitionsByChannel.letter': '来信',
  'petitionsByChannel.call': '来电',
  'petitionsByChannel.visit': '来访',
  'petitionsByChannel.online': '网络举报',
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
  'roundsByKind.regular.launched': '常规巡察（启动）',
  'roundsByKind.regular.closed': '常规巡察（结束）',
  'roundsByKind.special.launched': '专项巡察（启动）',
  'roundsByKind.special.closed': '专项巡察（结束）',
  'roundsByKind.mobile.launched': '机动巡察（启动）',
  'roundsByKind.mobile.closed': '机动巡察（结束）',
  'roundsByKind.look-back.launched': '“回头看”（启动）',
  'roundsByKind.look-back.closed': '“回头看”（结束）',
  'byLinkage.none.rounds': '非联动·轮次',
  'byLinkage.none.clues': '非联动·移交线索',
  'byLinkage.none.cluesPerRound': '非联动·每轮移交线索',
  'byLinkage.none.issues': '非联动·发现问题',
  'byLinkage.none.issuesPerRound': '非联动·每轮发现问题',
  'byLinkage.none.petitions': '非联动·受理信访',
  'byLinkage.none.petitionsPerRound': '非联动·每轮受理信访',
  'byLinkage.none.casesFiled': '非联动·立案（人）',
  'byLinkage.linked.rounds': '上下联动·轮次',
  'byLinkage.linked.clues': '上下联动·移交线索',
  'byLinkage.linked.cluesPerRound': '上下联动·每轮移交线索',
  'byLinkage.linked.issues': '上下联动·发现问题',
  'byLinkage.linked.issuesPerRound': '上下联动·每轮发现问题',
  'byLinkage.linked.petitions': '上下联动·受理信访',
  'byLinkage.linked.petitionsPerRound': '上下联动·每轮受理信访',
  'byLinkage.linked.casesFiled': '上下联动·立案（人）',
  'byLinkage.elevated.rounds': '提级巡察·轮次',
  'byLinkage.elevated.clues': '提级巡察·移交线索',
  'byLinkage.elevated.cluesPerRound': '提级巡察·每轮移交线索',
  'byLinkage.elevated.issues': '提级巡察·发现问题',
  'byLinkage.elevated.issuesPerRound': '提级巡察·每轮发现问题',
  'byLinkage.elevated.petitions': '提级巡察·受理信访',
  'byLinkage.elevated.petitionsPerRound': '提级巡察·每轮受理信访',
  'byLinkage.elevated.casesFiled': '提级巡察·立案（人）',
  'byLinkage.cross.rounds': '交叉巡察·轮次',
  'byLinkage.cross.clues': '交叉巡察·移交线索',
  'byLinkage.cross.cluesPerRound': '交叉巡察·每轮移交线索',
  'byLinkage.cross.issues': '交叉巡察·发现问题',
  'byLinkage.cross.issuesPerRound': '交叉巡察·每轮发现问题',
  'byLinkage.cross.petitions': '交叉巡察·受理信访',
  'byLinkage.cross.petitionsPerRound': '交叉巡察·每轮受理信访',
  'byLinkage.cross.casesFiled': '交叉巡察·立案（人）',
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
  if (path.startsWith('issuesByCategory.')) return `问题类别：${path.slice('issuesByCategory.'.length)}`;
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
