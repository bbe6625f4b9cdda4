// HEALTHCHECK of the Wick image: GET /healthz on the API port, or on the worker's metrics
// listener when WICK_METRICS_PORT is set (a worker serves no API). Exit 0 healthy, 1 not.
const port = process.env.WICK_METRICS_PORT || process.env.PORT || '8080';
const url = process.env.WICK_HEALTH_URL || `http://127.0.0.1:${port}/healthz`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) {
    console.error(`${url}: HTTP ${res.status}`);
    process.exit(1);
  }
  process.exit(0);
} catch (e) {
  console.error(`${url}: ${e.message}`);
  process.exit(1);
}
