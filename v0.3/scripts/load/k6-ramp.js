// k6 script for the HPA demo: ramp up, hold, ramp down, against the
// CPU-bound endpoint. Closed model: each virtual user (VU) sends a request,
// waits for the answer, then pauses; the load follows the number of VUs.
//
//   k6 run scripts/load/k6-ramp.js
//   BASE_URL=http://127.0.0.1:30080 VUS=20 CPU_MS=20 HOLD=5m k6 run scripts/load/k6-ramp.js
//
// Watch the HPA meanwhile, in another terminal: ./scripts/watch-hpa.sh
// Rough sizing: each VU sends about 1/(PAUSE + latency) requests/s, each
// costing CPU_MS of CPU. 10 VUs × ~1 req/s × 20ms ≈ 200m of CPU; with the
// HPA's target of 50m per pod (50% of a 100m request) that asks for ~4 pods.
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:30080';
const CPU_MS = __ENV.CPU_MS || '20';
const VUS = parseInt(__ENV.VUS || '10', 10);
const PAUSE = parseFloat(__ENV.PAUSE || '1'); // seconds between a VU's requests

/** @type {import('k6/options').Options} */
export const options = {
  // A new connection per request: kube-proxy picks a pod per connection, so
  // reused connections would keep all load on the pods that existed first.
  noConnectionReuse: true,
  stages: [
    { duration: __ENV.RAMP_UP || '30s', target: VUS }, // ramp up
    { duration: __ENV.HOLD || '3m', target: VUS }, // hold: the HPA scales up
    { duration: __ENV.RAMP_DOWN || '30s', target: 0 }, // ramp down: scale-down follows after the HPA's window
  ],
  thresholds: {
    // Fewer than 1% failed requests (k6 counts non-2xx/3xx and network
    // errors as failed), and every check mostly passing.
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    // Latency is not a pass/fail criterion here, but a generous bound
    // catches a service that is stuck rather than slow.
    http_req_duration: ['p(95)<5000'],
  },
};

export default function () {
  const res = http.get(`${BASE_URL}/api/v1/work/cpu?ms=${CPU_MS}`, {
    tags: { name: 'work-cpu' }, // one time series, whatever the query string
    timeout: '10s',
  });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'did cpu work': (r) => typeof r.body === 'string' && r.body.includes('"kind":"cpu"'),
  });
  sleep(PAUSE);
}
