// Package faults is the fault suite: each test drives a stream of real
// bookings through real rdv serve processes (the JSON API, with
// idempotency keys, as a patient's client retries) while it injects one
// fault, then brings the platform back and judges the run with package
// history: every client's log against the final database.
//
// The faults, in the order they matter: an instance killed with SIGKILL
// and restarted, again and again (the embedded SQLite server, and
// instances sharing PostgreSQL); PostgreSQL's connections cut and
// PostgreSQL itself restarted; the disk under the embedded database and
// the spool full; the clock jumping forward past hold and proposal
// expiries, and back; slow clients and connections that send nothing;
// abuse (a client hoarding holds, keys replayed with other bodies,
// forged and reused tokens).
//
// go test runs a short version of each, a few seconds apiece. make faults
// runs the long one (-faults.long): each fault until 10,000 bookings are
// acknowledged (-faults.bookings) and a minute has passed
// (-faults.duration), and prints one table: the fault, the attempts the
// clients made, the bookings acknowledged, the anomalies the checker
// found, and the time to recover (from the fault to the next booking
// acknowledged). docs/reliability.md keeps the table measured.
//
// A fault is a value of type fault (run_test.go): where the clients book,
// how the fault strikes (calling strike at each blow, which times the
// recovery), how the platform is brought back, and which store the
// checker reads. A new fault, such as a PostgreSQL primary killed under
// pg_auto_failover, is a test that fills one in.
//
// The package has no code outside its tests: nothing in it runs in
// production.
package faults
