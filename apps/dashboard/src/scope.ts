import { computed, ref, watch, type Ref } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { get, session, withQuery } from './api';
import { windowQuery } from './format';
import { useLive } from './live';
import type { AsOfView, LedgerPage, Report, TaskStream } from './types';

/**
 * What a report view reads, kept in the address so that a link (or a reload) shows the same
 * figures: the jurisdiction in the path; `roundId` or `theme`, the window's days `from`/`to` and an
 * auditor's `asOf` in the query. The overview and the 分析 view share it.
 */
export const useReportScope = () => {
  const route = useRoute();
  const router = useRouter();
  const root = computed(() => session.actor?.jurisdiction ?? '');
  const jurisdiction = computed(() => (typeof route.params.jurisdiction === 'string' && route.params.jurisdiction !== '' ? route.params.jurisdiction : root.value));
  const queryText = (key: string): string => (typeof route.query[key] === 'string' ? (route.query[key] as string) : '');
  const roundId = computed(() => queryText('roundId'));
  const theme = computed(() => queryText('theme'));
  const asOf = computed(() => queryText('asOf'));
  const days = computed(() => ({ ...(queryText('from') !== '' ? { from: queryText('from') } : {}), ...(queryText('to') !== '' ? { to: queryText('to') } : {}) }));

  const setQuery = (patch: Record<string, string | undefined>) => {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...route.query, ...patch })) if (typeof value === 'string' && value !== '') query[key] = value;
    void router.replace({ path: route.path, query });
  };

  /** The report API's query for this scope (a round or a theme, and the window). */
  const apiScope = computed<Record<string, string>>(() => ({
    ...(roundId.value !== '' ? { roundId: roundId.value } : theme.value !== '' ? { theme: theme.value } : {}),
    ...windowQuery(days.value),
  }));

  /** What the round and theme selectors hold while typed; the address (route query) is the truth they sync with. */
  const roundInput = ref(roundId.value);
  const themeInput = ref(theme.value);
  watch(roundId, (value) => (roundInput.value = value));
  watch(theme, (value) => (themeInput.value = value));
  /** A round family and a theme exclude each other; the window goes with either. */
  const chooseRound = (value: string | undefined) => setQuery({ roundId: value || undefined, theme: undefined });
  const chooseTheme = () => setQuery({ theme: themeInput.value.trim() || undefined, roundId: undefined });
  const chooseWindow = (picked: { from?: string; to?: string }) => setQuery({ from: picked.from, to: picked.to });

  return { route, router, root, jurisdiction, queryText, roundId, theme, asOf, days, setQuery, apiScope, roundInput, themeInput, chooseRound, chooseTheme, chooseWindow };
};

/**
 * The report of a jurisdiction in a scope: read once, then live while no as-of time is set (the
 * server pushes it again on every change); as of a past instant through the audit route.
 */
export const useReport = (jurisdiction: Ref<string>, apiScope: Ref<Record<string, string>>, asOf: Ref<string>) => {
  const report = ref<Report | null>(null);
  const error = ref<string | null>(null);
  /** The jurisdiction whose last read was answered: live updates open only for it (never for a refused one). */
  const readable = ref<string | null>(null);

  const load = async () => {
    error.value = null;
    try {
      report.value =
        asOf.value !== ''
          ? (await get<AsOfView<Report>>(`/v1/audit/as-of/reports/${jurisdiction.value}`, { asOf: asOf.value, ...apiScope.value })).view
          : await get<Report>(`/v1/reports/${jurisdiction.value}`, apiScope.value);
      readable.value = jurisdiction.value;
    } catch (refused) {
      report.value = null;
      readable.value = null;
      error.value = (refused as Error).message;
    }
  };

  const liveUrl = computed(() => (asOf.value !== '' || jurisdiction.value === '' || readable.value !== jurisdiction.value ? null : withQuery(`/v1/reports/${jurisdiction.value}/live`, apiScope.value)));
  const { state: liveState } = useLive<Report>(liveUrl, 'report', (pushed) => {
    report.value = pushed;
  });

  // Compared as text: the scope object is made again whenever any query parameter changes (the
  // chart's figure too), and only a change of what is read should read again.
  const scopeKey = computed(() => JSON.stringify(apiScope.value));
  watch([jurisdiction, scopeKey, asOf], load, { immediate: true });
  return { report, error, liveState };
};

/** Round families known here: the rounds of tasks addressed to it and of issues in its ledger. */
export const useKnownRounds = (jurisdiction: Ref<string>) => {
  const rounds = ref<string[]>([]);
  const load = async () => {
    const found = new Set<string>();
    const [tasks, issues] = await Promise.allSettled([
      get<TaskStream>(`/v1/tasks/${jurisdiction.value}`),
      get<LedgerPage>(`/v1/ledgers/${jurisdiction.value}/issues`, { limit: '500' }),
    ]);
    if (tasks.status === 'fulfilled') for (const task of tasks.value.tasks) if (task.roundId) found.add(task.roundId);
    if (issues.status === 'fulfilled') for (const row of issues.value.rows) if (typeof row.roundId === 'string') found.add(row.roundId);
    rounds.value = [...found].sort();
  };
  watch(jurisdiction, () => void load(), { immediate: true });
  return rounds;
};
