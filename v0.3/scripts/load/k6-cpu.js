// k6 script for the HPA demo, open model: requests arrive at a set
// rate whatever the service's latency, like `go run ./cmd/loadgen --rate`.
// When the pods saturate, latency grows instead of the load shrinking,
// which is what makes the scale-up visible in the numbers.
//
//   k6 run scripts/load/k6-cpu.js
//   BASE_URL=http://127.0.0.1:30080 RATE=20 CPU_MS=20 k6 run scripts/load/k6-cpu.js
//
// Rough sizing: RATE requests/s × CPU_MS of CPU each; 10/s × 20ms = 200m,
// about 4 pods at the HPA's 50m-per-pod target.
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:30080';
const CPU_MS = __ENV.CPU_MS || '20';
const RATE = parseInt(__ENV.RATE || '10', 10);

/** @type {import('k6/options').Options} */
export const options = {
  // A new connection per request: kube-proxy picks a pod per connection, so
  // reused connections would keep all load on the pods that existed first.
  noConnectionReuse: true,
  scenarios: {
    cpu: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      // VUs are only the pool that carries the requests; k6 reports
      // "dropped_iterations" when all of them are busy (the service is
      // slower than RATE × latency allows).
      preAllocatedVUs: Math.max(10, RATE),
      maxVUs: Math.max(50, RATE * 10),
      stages: [
        { duration: __ENV.RAMP_UP || '30s', target: RATE }, // ramp up
        { duration: __ENV.HOLD || '3m', target: RATE }, // hold
        { duration: __ENV.RAMP_DOWN || '30s', target: 0 }, // ramp down
      ],
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    http_req_duration: ['p(95)<5000'],
  },
};

export default function () {
  const res = http.get(`${BASE_URL}/api/v1/work/cpu?ms=${CPU_MS}`, {
    tags: { name: 'work-cpu' },
    timeout: '10s',
  });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'did cpu work': (r) => typeof r.body === 'string' && r.body.includes('"kind":"cpu"'),
  });
}
