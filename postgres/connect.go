package postgres

import (
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// minStartup is the least time a connection's startup (TLS,
// authentication, target_session_attrs' check) is given once its host
// has answered, whatever the URL's connect_timeout.
//
// connect_timeout is there for a host that is gone: with a primary and
// its standby in one URL (postgres://a,b/rdv?target_session_attrs=
// read-write), every new connection tries a lost primary first, and
// without a bound on the dial each would wait for TCP to give up (about
// two minutes) before trying the standby. pgx bounds the whole startup
// with it, though, and that turns a failover into an outage: every
// instance reconnects at once, the new primary's startups slow down
// under the storm, and a startup abandoned at 2 s has cost the server
// its work all the same, so none completes. Measured on
// deploy/cluster with 69 connections and connect_timeout=2 (docs/
// failover.md), none was back a minute after the standby took over,
// twice; with the dial bounded at 2 s and the startup at 10 s, all
// were back within 6 s.
const minStartup = 10 * time.Second

// PoolConfig reads a database URL into a pool's configuration, with
// pgxpool's pool_* parameters, connect_timeout bounding the dial to each
// host and the startup given minStartup at least: for the other pools
// that rdv opens on the store's database (the background jobs').
func PoolConfig(url string) (*pgxpool.Config, error) { return parseConfig(url) }

// boundDialOnly lets connect_timeout bound the dial to each host (pgx
// dials with it already) and gives the startup that follows minStartup
// at least. Without connect_timeout, nothing is bounded, as in pgx.
func boundDialOnly(c *pgconn.Config) {
	if c.ConnectTimeout > 0 {
		c.ConnectTimeout = max(c.ConnectTimeout, minStartup)
	}
}
