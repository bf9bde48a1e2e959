import type { InspectorEnrolled, InspectorEvaluated, InspectorUpdated } from './messages.js';

/**
 * The office a stored fact's personal data belongs to, when it holds some: an inspector's record
 * (name, posts, relations) or an evaluation's note, as the pool's own store keeps them. Only that
 * office's actors may read such a fact in an audit; an ancestor's auditor, who audits the levels
 * below, would otherwise read a relative's name there. Copies received by other levels hold the
 * public view only, and answer null.
 */
export const personalDataKeeper = (fact: { readonly type: string; readonly data: unknown }): string | null => {
  switch (fact.type) {
    case 'InspectorEnrolled':
    case 'InspectorUpdated': {
      const data = fact.data as InspectorEnrolled['data'] | InspectorUpdated['data'];
      return data.person !== undefined ? data.pool : null;
    }
    case 'InspectorEvaluated': {
      const data = fact.data as InspectorEvaluated['data'];
      return data.note !== undefined && data.note !== null ? data.pool : null;
    }
    default:
      return null;
  }
};
