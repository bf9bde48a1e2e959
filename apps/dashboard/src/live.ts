import { onBeforeUnmount, ref, watch, type Ref } from 'vue';

export type LiveState = 'connecting' | 'live' | 'disconnected' | 'paused';

/**
 * A live view over Server-Sent Events (`…/live`): the server pushes the whole view again on every
 * change, as an event of `type` ('report' or 'tasks'). The browser's EventSource reconnects by
 * itself; the state says whether the page is showing live data. `url` null pauses it.
 */
export const useLive = <T>(url: Ref<string | null>, type: string, onView: (view: T) => void): { state: Ref<LiveState> } => {
  const state = ref<LiveState>('paused');
  let source: EventSource | null = null;

  const close = () => {
    source?.close();
    source = null;
  };
  const open = (target: string | null) => {
    close();
    if (target === null) {
      state.value = 'paused';
      return;
    }
    state.value = 'connecting';
    const current = new EventSource(target);
    source = current;
    current.onopen = () => {
      if (source === current) state.value = 'live';
    };
    current.onerror = () => {
      if (source !== current) return;
      state.value = 'disconnected';
    };
    current.addEventListener(type, (event) => {
      if (source !== current) return;
      state.value = 'live';
      onView(JSON.parse((event as MessageEvent<string>).data) as T);
    });
  };

  watch(url, open, { immediate: true });
  onBeforeUnmount(close);
  return { state };
};
