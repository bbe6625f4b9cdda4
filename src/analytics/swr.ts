// A single-value cache with stale-while-revalidate: the first read waits for the load, later
// reads get the cached value at once, and a value older than `ttlMs` is refreshed in the
// background while the stale one keeps being served. A failed refresh keeps the old value.

export class SwrCache<T> {
  private value: { v: T; at: number } | null = null;
  private loading: Promise<T> | null = null;

  constructor(private readonly load: () => Promise<T>, private readonly ttlMs: number, private readonly keep: (v: T) => boolean = () => true, private readonly onError: (e: unknown) => void = () => undefined) {}

  async get(): Promise<T> {
    if (!this.value) return this.refresh();
    if (Date.now() - this.value.at > this.ttlMs) this.refresh().catch(this.onError);
    return this.value.v;
  }

  private refresh(): Promise<T> {
    this.loading ??= this.load().then((v) => {
      // a value that should not be kept (e.g. "nothing computed yet") is re-read next time
      this.value = this.keep(v) ? { v, at: Date.now() } : null;
      return v;
    }).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }
}
