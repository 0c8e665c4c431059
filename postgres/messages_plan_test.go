package postgres

import (
	"strings"
	"testing"
	"time"

	"rdv"
)

// TestUrgentKindsAsIndexed: the store's list of urgent kinds, which its
// query and the partial index messages_urgent repeat, is rdv.UrgentKinds.
func TestUrgentKindsAsIndexed(t *testing.T) {
	quoted := make([]string, len(rdv.UrgentKinds))
	for i, k := range rdv.UrgentKinds {
		if !k.Urgent() {
			t.Fatalf("%s listed urgent, but not Urgent", k)
		}
		quoted[i] = "'" + string(k) + "'"
	}
	if want := "(" + strings.Join(quoted, ", ") + ")"; urgentKinds != want {
		t.Fatalf("urgentKinds %s, want %s", urgentKinds, want)
	}
}

// TestUrgentMessagesReadTheirIndex: with thousands of confirmations
// waiting for their jobs, the read of the urgent messages walks the
// partial index of those alone, not the confirmations.
func TestUrgentMessagesReadTheirIndex(t *testing.T) {
	s := mustOpen(t, mustCreateDB(t), Options{})
	ctx := t.Context()
	now := time.Now()
	_, err := s.pool.Exec(ctx, `INSERT INTO messages (kind, channel, destination, due_at, created_at)
		SELECT CASE WHEN i % 1000 = 0 THEN 'proposal' ELSE 'confirmed' END, 'email', 'p' || i || '@example.org', $1, $1
		FROM generate_series(1, 20000) AS i`, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE messages`); err != nil {
		t.Fatal(err)
	}
	rows, err := s.pool.Query(ctx, `EXPLAIN `+undispatchedUrgentQuery, now, 200)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "messages_urgent") {
		t.Fatalf("plan of the urgent read:\n%s\nwant it on messages_urgent", strings.Join(plan, "\n"))
	}
	ms, err := s.UndispatchedUrgent(ctx, now, 200)
	if err != nil || len(ms) != 20 {
		t.Fatalf("urgent read: %d messages (%v), want the 20 proposals", len(ms), err)
	}
	for _, m := range ms {
		if m.Kind != rdv.MessageProposal {
			t.Fatalf("urgent read returned a %s", m.Kind)
		}
	}
}
