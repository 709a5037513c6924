// caught.mjs - how the deploy tests show that a rule catches what it
// claims: the rules find nothing in the good objects, and a violation
// matching a pattern in a copy broken on purpose.
import assert from 'node:assert/strict';

// Every violation a set of rules ({ name: rule(objects) -> messages }) finds.
export function violationsOf(objects, rules) {
  return Object.values(rules).flatMap((rule) => rule(objects));
}

// One of the violations found matches pattern.
export function assertCaught(found, pattern) {
  assert.ok(found.some((v) => pattern.test(v)), `expected a violation matching ${pattern}, got:\n${found.join('\n') || '(none)'}`);
}

// expectCaught(mutate, pattern) for objects and check(objects) -> the
// violations: none in objects, and one matching pattern in a copy that
// mutate has broken.
export function expectCaughtIn(objects, check) {
  return (mutate, pattern) => {
    assert.deepEqual(check(objects), []);
    const copy = structuredClone(objects);
    mutate(copy);
    assertCaught(check(copy), pattern);
  };
}
