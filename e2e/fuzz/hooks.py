"""Schemathesis hooks of the project's fuzz test (e2e/tests/fuzz.rs): the one rule that the
OpenAPI documents cannot state by themselves, and the test's own accounts kept usable.

A request that fits its schema must be accepted. The documents say everything the server checks
that a schema can say (types, enums, patterns, lengths, ranges, formats, unknown fields); what no
schema can say (a tax code's check digit, a province code that must be in force today, a record
that must exist in the caller's scope) the operation lists in its `x-kc-server-rules` extension
(field -> rule). So a schema-valid request may be answered 422 only when the answer names at least
one field and every field it names is listed there: a 422 for any other field is a rule missing
from the schema, and fails.
"""

import os

import schemathesis

# The test's own accounts and organisations (ids, from the test): the fuzzer reuses ids from list
# answers, and disabling one of these would end the run's own session halfway (every later request
# answered 401). Disabling is tested elsewhere (e2e/tests/revocation.rs and the services' tests); any
# other record may be disabled here.
KEEP = frozenset(filter(None, os.environ.get("KC_FUZZ_KEEP", "").split(",")))


@schemathesis.hook
def filter_case(context, case):
    """Leave out a change that would disable one of the test's own accounts or organisations."""
    if case.method.upper() != "PATCH" or not isinstance(case.body, dict):
        return True
    target = (case.path_parameters or {}).get("id")
    return not (str(target) in KEEP and case.body.get("status") == "disabled")


@schemathesis.check
def kc_server_rules(ctx, response, case):
    """A schema-valid request refused with 422 names only fields of the operation's `x-kc-server-rules`."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    rules = case.operation.definition.raw.get("x-kc-server-rules") or {}
    try:
        fields = response.json()["error"].get("fields") or {}
    except Exception:  # noqa: BLE001 - any other body is a failure below
        fields = {}
    unexplained = sorted(set(fields) - set(rules))
    if not fields or unexplained:
        named = ", ".join(unexplained) if fields else "no field"
        listed = ", ".join(sorted(rules)) or "none"
        raise AssertionError(
            f"Schema-valid request refused with 422 for {named}: only the fields of "
            f"x-kc-server-rules ({listed}) may hold rules the schema cannot state"
        )
    return None
