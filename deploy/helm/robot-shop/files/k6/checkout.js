// checkout.js - the whole purchase for k6: an anonymous id, categories and
// products, two robots in stock (product, rating, sometimes a vote, add to
// cart), the cart, a quantity change, a country and city, the shipping
// cost, its confirmation, and the payment. Every step checks its answer.
//
//   k6 run -e BASE_URL=http://shop.example deploy/k6/checkout.js
import http from 'k6/http';
import { check, fail, group, sleep } from 'k6';

const BASE = __ENV.BASE_URL || 'http://localhost:8080';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

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

// One call; its JSON answer, or the journey stops (counted as a failed check).
function call(method, path, name, body) {
  const params = { tags: { name }, headers: body ? JSON_HEADERS : {} };
  const res = http.request(method, `${BASE}${path}`, body ? JSON.stringify(body) : null, params);
  if (!check(res, { [`${name}: 200`]: (r) => r.status === 200 })) fail(`${name}: ${res.status}`);
  return res.json();
}

const pick = (list) => list[Math.floor(Math.random() * list.length)];

export default function () {
  const id = call('GET', '/api/user/uniqueid', 'uniqueid').uuid;
  let cart;
  group('browse and add', () => {
    call('GET', '/api/catalogue/categories', 'categories');
    const inStock = call('GET', '/api/catalogue/products', 'products').filter((p) => p.instock > 0);
    for (let i = 0; i < 2; i++) {
      const product = pick(inStock);
      call('GET', `/api/catalogue/product/${product.sku}`, 'product');
      call('GET', `/api/ratings/api/fetch/${product.sku}`, 'rating');
      if (Math.random() < 0.2)
        call('PUT', `/api/ratings/api/rate/${product.sku}/${1 + Math.floor(Math.random() * 5)}`, 'vote');
      cart = call('GET', `/api/cart/add/${id}/${product.sku}/1`, 'add');
    }
  });
  group('cart', () => {
    cart = call('GET', `/api/cart/cart/${id}`, 'cart');
    const line = cart.items[0];
    cart = call('GET', `/api/cart/update/${id}/${line.sku}/2`, 'update');
    check(cart, { 'update: quantity changed': (c) => c.items.some((i) => i.sku === line.sku && i.qty === 2) });
  });
  group('shipping', () => {
    call('GET', '/api/shipping/codes', 'codes');
    const cities = call('GET', '/api/shipping/match/GB/lon', 'match');
    const city = pick(cities);
    const quote = call('GET', `/api/shipping/calc/${city.uuid}`, 'calc');
    cart = call('POST', `/api/shipping/confirm/${id}`, 'confirm',
      { distance: quote.distance, cost: quote.cost, location: `${city.name}, ${city.code}` });
  });
  group('payment', () => {
    const paid = call('POST', `/api/payment/pay/${id}`, 'pay', cart);
    check(paid, { 'pay: an order id': (p) => typeof p.orderid === 'string' && p.orderid.length === 36 });
  });
  sleep(1);
}
