//! Black-box tests of the whole system live in `tests/`: they start the real binaries from
//! `target/debug` (the test command builds them first; `KC_BIN_DIR` overrides where they are) against a
//! database of their own on the test run's PostgreSQL.
