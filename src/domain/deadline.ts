// A signal that aborts when its parent does or after `ms`. Built from a plain controller and
// timer because AbortSignal.any + AbortSignal.timeout can be garbage-collected before firing
// on some Node versions (the timeout then never happens).
export interface Deadline {
  signal: AbortSignal;
  /** True when the deadline (not the parent) aborted it. */
  readonly expired: boolean;
  /** Clears the timer; call when the guarded work is over. */
  done(): void;
}

export function deadline(parent: AbortSignal, ms: number): Deadline {
  const ctrl = new AbortController();
  let expired = false;
  const onParent = () => ctrl.abort(parent.reason);
  const timer = setTimeout(() => {
    expired = true;
    ctrl.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'));
  }, ms);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  return {
    signal: ctrl.signal,
    get expired() {
      return expired;
    },
    done() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}
