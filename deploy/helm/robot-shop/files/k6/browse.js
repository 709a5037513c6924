// browse.js - the classic shop's browsing journey for k6, against a shop in
// a cluster: the storefront, the product list, one product and its rating,
// one second of thinking. Tags name each endpoint in k6's summary.
//
//   k6 run -e BASE_URL=http://shop.example deploy/k6/browse.js
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE = __ENV.BASE_URL || 'http://localhost:8080';

export const options = {
  stages: [
    { duration: '30s', target: 100 },
    { duration: '1m', target: 1000 },
    { duration: '2m', target: 1000 },
    { duration: '30s', target: 0 },
  ],
  thresholds: {
    http_req_duration: ['p(95)<200', 'p(99)<500'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

function getJson(path, name) {
  const res = http.get(`${BASE}${path}`, { tags: { name } });
  check(res, { [`${name}: 200`]: (r) => r.status === 200 });
  return res.status === 200 ? res.json() : null;
}

export default function () {
  const page = http.get(`${BASE}/`, { tags: { name: 'storefront' } });
  check(page, { 'storefront: 200': (r) => r.status === 200 });
  const products = getJson('/api/catalogue/products', 'products');
  if (!Array.isArray(products) || products.length === 0) return;
  const product = products[Math.floor(Math.random() * products.length)];
  const detail = getJson(`/api/catalogue/product/${product.sku}`, 'product');
  check(detail, { 'product: the one asked for': (p) => p !== null && p.sku === product.sku });
  getJson(`/api/ratings/api/fetch/${product.sku}`, 'rating');
  sleep(1);
}
