package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"rdv"
)

// TestMessagesNeedingAttentionUseTheirIndex: the operators' list of the
// messages that need them reads the partial index, whose condition the
// query repeats word for word; any other filter by status does not.
func TestMessagesNeedingAttentionUseTheirIndex(t *testing.T) {
	s, _ := openLoaded(t)
	tests := []struct {
		name     string
		statuses []rdv.MessageStatus
		want     bool
	}{
		{"the three", []rdv.MessageStatus{rdv.MessageFailed, rdv.MessageBounced, rdv.MessageUncertain}, true},
		{"failed only", []rdv.MessageStatus{rdv.MessageFailed}, true},
		{"kept", []rdv.MessageStatus{rdv.MessageKept}, false},
		{"failed and queued", []rdv.MessageStatus{rdv.MessageFailed, rdv.MessageQueued}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, args, err := messagesQuery(rdv.MessageFilter{Statuses: tt.statuses})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := s.read.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(strings.Join(plan, "; "), "messages_attention"); got != tt.want {
				t.Fatalf("plan %q uses messages_attention: %v, want %v", plan, got, tt.want)
			}
		})
	}
}

// TestUrgentKindsAsIndexed: the store's list of urgent kinds, which its
// query and the partial index messages_urgent repeat, is rdv.UrgentKinds;
// the query reads that index (INDEXED BY fails the query otherwise).
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
	s, _ := openLoaded(t)
	if _, err := s.UndispatchedUrgent(t.Context(), time.Now(), 10); err != nil {
		t.Fatalf("the urgent read: %v", err)
	}
}
