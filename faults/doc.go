// Package faults holds zwgk's fault tests (issue 12): the peers zwgk depends on fail in the
// middle of real work, and the tests count what came out the other end. Each test prints what
// it measured (time to recover, messages lost, messages duplicated) and fails when a message is
// lost or a recipient gets two different messages, or when an item's workflow starts twice.
//
//   - TestPostgresRestartMidDispatch: a private PostgreSQL cluster, started for the test from the
//     installed initdb and pg_ctl, is stopped with pg_ctl -m immediate (a crash: no checkpoint, open
//     connections cut) in the middle of a dispatch of 1,000 digests and started again on the same
//     port; every recipient holds exactly one message by Message-ID at a real SMTP server.
//   - TestTemporalRestartMidImport: the embedded Temporal server (devstack) is stopped in the
//     middle of the import of a 1,000-item list and started again on the same port and SQLite
//     file; the import is run again as its error says, and every item's workflow ran exactly once.
//   - TestSMTPRefusesForThirtyMinutes: the SMTP server answers 451 to every message for 30
//     minutes, then accepts; the dispatcher workflow runs in the SDK's time-skipping environment,
//     so the 30 minutes of activity retries pass in seconds, while the activities, PostgreSQL and
//     the SMTP server are real.
//
// The shared machine's PostgreSQL (testenv) is never restarted: the tests that stop a server
// start their own. They need the PostgreSQL server binaries (Debian: postgresql) and skip, saying
// so, only when those are absent.
package faults
