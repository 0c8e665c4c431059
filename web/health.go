package web

import (
	"context"
	"sync/atomic"
	"time"
)

// Forms-only mode as pages see it: while the database cannot be reached,
// bookings fail but the appointment-request form still goes to the spool,
// so the banner sends patients there. The check reuses the readiness
// probe rather than a second one of its own.

// healthTTL is how long an instance trusts the database's health it last
// probed: a flood of page views probes once per healthTTL, and the notice
// comes and goes within that time of the database.
const healthTTL = 2 * time.Second

// healthTimeout bounds the probe: a database that slow cannot take
// bookings anyway, and a page must not wait on it.
const healthTimeout = 200 * time.Millisecond

// dbHealth is the database's health as this instance last probed it.
type dbHealth struct {
	cache settingCache[bool] // true: down
	ttl   time.Duration      // healthTTL; tests shorten it
	down  atomic.Bool        // the last answer, to log only the changes
}

// databaseDown reports whether the last probe of the database failed,
// probing again when it is older than the TTL. Without a readiness check
// the database is taken to be up.
func (s *Server) databaseDown(ctx context.Context) bool {
	if s.d.Ready == nil {
		return false
	}
	return s.health.cache.get(ctx, s.health.ttl, s.probeDatabase, s.log, "")
}

// probeDatabase never fails: a failed probe is the answer, not an error
// for the cache to discard in favour of the last good one.
func (s *Server) probeDatabase(ctx context.Context) (bool, error) {
	// One visitor leaving must not turn the notice on for everyone else.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthTimeout)
	defer cancel()
	err := s.d.Ready(pctx)
	down := err != nil
	if s.health.down.Swap(down) != down {
		if down {
			s.log.WarnContext(ctx, "database unreachable; forms-only notice shown", "err", err)
		} else {
			s.log.InfoContext(ctx, "database reachable again; forms-only notice withdrawn")
		}
	}
	return down, nil
}
