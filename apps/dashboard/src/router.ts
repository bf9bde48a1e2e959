import { createRouter, createWebHashHistory } from 'vue-router';
import { loadSession, session, whenUnauthorized } from './api';

/**
 * Hash routing: the server serves one index.html at `/`, and sign-in links are
 * `http://host:port/#/sign-in?ticket=…` (`npm run token -- … --link`).
 */
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/overview' },
    { path: '/sign-in', name: 'sign-in', component: () => import('./views/SignIn.vue'), meta: { public: true, bare: true } },
    { path: '/overview/:jurisdiction?', name: 'overview', component: () => import('./views/Overview.vue') },
    { path: '/analysis/:jurisdiction?', name: 'analysis', component: () => import('./views/Analysis.vue') },
    { path: '/tasks/:jurisdiction?', name: 'tasks', component: () => import('./views/Tasks.vue') },
    { path: '/ledgers/:jurisdiction?', name: 'ledgers', component: () => import('./views/Ledgers.vue') },
    { path: '/audit', name: 'audit', component: () => import('./views/Audit.vue') },
    { path: '/wall/:jurisdiction?', name: 'wall', component: () => import('./views/Wall.vue'), meta: { bare: true } },
    { path: '/:rest(.*)*', redirect: '/overview' },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.checked || session.actor === null) await loadSession();
  if (session.actor === null) return { name: 'sign-in', query: { next: to.fullPath } };
  return true;
});

whenUnauthorized(() => {
  if (router.currentRoute.value.name !== 'sign-in') void router.push({ name: 'sign-in', query: { next: router.currentRoute.value.fullPath } });
});
