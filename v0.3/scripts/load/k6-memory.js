// k6 script for the memory side of the HPA: each request makes a pod
// hold MB MiB for SECONDS seconds. Requests arrive at a set rate (open
// model), so a pod holds about RATE × SECONDS × MB MiB on average.
//
//   k6 run scripts/load/k6-memory.js
//   BASE_URL=http://127.0.0.1:30080 MB=8 SECONDS=10 k6 run scripts/load/k6-memory.js
//
// Defaults: one request every 2s × 10s × 8 MiB = 40 MiB held, plus ~20 MiB
// of an idle pod, is above the HPA's memory target (80% of the 64Mi request,
// ~51Mi), so the Deployment scales out. The API caps what all jobs of one
// pod may hold together and answers 429 beyond it: that is protection
// working, not a failure, so 429 counts as an expected status here.
import http from 'k6/http';
import { check } from 'k6';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:30080';
const MB = __ENV.MB || '8';
const SECONDS = parseInt(__ENV.SECONDS || '10', 10);

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, 429));

/** @type {import('k6/options').Options} */
export const options = {
  // A new connection per request: kube-proxy picks a pod per connection, so
  // reused connections would keep all load on the pods that existed first.
  noConnectionReuse: true,
  scenarios: {
    memory: {
      executor: 'ramping-arrival-rate',
      startRate: 1,
      timeUnit: __ENV.EVERY || '2s', // one request per EVERY
      // Each request lasts SECONDS: enough VUs to keep that many waiting.
      preAllocatedVUs: 10,
      maxVUs: 50,
      stages: [
        { duration: __ENV.HOLD || '3m', target: 1 }, // hold the rate
        { duration: '10s', target: 0 }, // stop; memory is released as jobs end
      ],
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  const res = http.get(`${BASE_URL}/api/v1/work/memory?mb=${MB}&seconds=${SECONDS}`, {
    tags: { name: 'work-memory' },
    timeout: `${SECONDS + 20}s`,
  });
  check(res, {
    'held the memory or was told to retry (429)': (r) => r.status === 200 || r.status === 429,
  });
}
